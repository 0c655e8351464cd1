import { StreamgateError } from '#domain/errors.js';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type Socket, connect as netConnect, type LookupFunction } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { relayAddressRefusal } from '#domain/relay-url.js';

/** A relay connection refused or failed before any protocol byte; `code` is stable. */
export class RelayConnectError extends StreamgateError<'RELAY_ADDRESS_REFUSED' | 'RELAY_CONNECT_TIMEOUT' | 'RELAY_CONNECT_FAILED' | 'RELAY_TLS_FINGERPRINT'> {
  override readonly name = 'RelayConnectError';
}

/** Where and how to open a relay's TCP (or TLS) connection. */
export interface RelaySocketOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /**
   * With TLS: the SHA-256 fingerprint (64 lowercase hex digits) the server's certificate must have
   * (a self-signed camera certificate); the certificate is then checked by this alone, not by a CA.
   */
  readonly fingerprint?: string;
  /** Private and loopback addresses allowed (local setups); link-local never is. */
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
}

/**
 * A DNS lookup that refuses addresses the relay policy forbids. The check runs on the address
 * the socket will connect to (not on the URL text), so a name that resolves to the instance
 * metadata endpoint or, where not allowed, to a private range is refused at connect time.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => relayAddressRefusal(a.address, allowPrivate) === undefined);
      if (allowed.length === 0) {
        const first = addresses[0];
        const reason = first === undefined ? 'no address' : relayAddressRefusal(first.address, allowPrivate)!;
        const refused = new RelayConnectError('RELAY_ADDRESS_REFUSED', `${hostname}: ${reason}`);
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

/**
 * Opens a TCP (or TLS) connection for a relay, checking the resolved address against the
 * private-address policy; resolves once connected. Errors are RelayConnectError.
 */
export function connectRelaySocket(options: RelaySocketOptions): Promise<Socket> {
  const { host, port, allowPrivate, timeoutMs } = options;
  if (isIP(host) !== 0) {
    const refusal = relayAddressRefusal(host, allowPrivate);
    if (refusal !== undefined) return Promise.reject(new RelayConnectError('RELAY_ADDRESS_REFUSED', refusal));
  }
  return new Promise((resolve, reject) => {
    const lookup = guardedLookup(allowPrivate);
    const pinned = options.fingerprint;
    const socket: Socket = options.tls
      ? tlsConnect({ host, port, servername: isIP(host) === 0 ? host : undefined, lookup, ...(pinned !== undefined ? { rejectUnauthorized: false } : {}) })
      : netConnect({ host, port, lookup });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RelayConnectError('RELAY_CONNECT_TIMEOUT', `no connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    const onError = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err instanceof RelayConnectError) reject(err);
      else reject(new RelayConnectError('RELAY_CONNECT_FAILED', `${host}:${port}: ${err.message}`, { cause: err }));
    };
    socket.once('error', onError);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      if (pinned !== undefined) {
        // Checked before the socket is handed out: nothing is sent to a server with another certificate.
        const seen = (socket as TLSSocket).getPeerCertificate().fingerprint256?.replace(/:/g, '').toLowerCase();
        if (seen !== pinned) {
          socket.off('error', onError);
          socket.destroy();
          reject(new RelayConnectError('RELAY_TLS_FINGERPRINT', `${host}:${port}: the certificate's SHA-256 fingerprint is not the one in the URL`));
          return;
        }
      }
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
