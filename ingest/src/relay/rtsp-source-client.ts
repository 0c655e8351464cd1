import { StreamgateError } from '#domain/errors.js';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { relayFingerprint, type RelayUrl } from '#domain/relay-url.js';
import type { Publication } from '../hub/hub.js';
import { ProtocolError } from '../protocols/protocol-error.js';
import { buildReceiverReport } from '../protocols/rtp/rtcp.js';
import { RtspClientSession, type RtspClientEvent } from '../protocols/rtsp/rtsp-client-session.js';
import { RtspPublisher } from '../servers/rtsp/rtsp-publisher.js';
import { connectRelaySocket } from './relay-socket.js';
import type { SourceClient, SourceClientEvents, SourceClientOptions } from './source-client.js';

/** A coded failure of an RTSP pull. */
class RtspPullError extends StreamgateError {
  override readonly name = 'RtspPullError';
}

/** Binds an RTP/RTCP pair of UDP sockets on consecutive ports (RTP even), loopback-or-any like the TCP side. */
async function bindPair(family: 'udp4' | 'udp6'): Promise<[UdpSocket, UdpSocket]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const rtp = createSocket(family);
    const port = await new Promise<number>((resolve, reject) => {
      rtp.once('error', reject);
      rtp.bind(0, () => resolve(rtp.address().port));
    }).catch(() => -1);
    if (port < 0 || port % 2 !== 0 || port === 65535) {
      rtp.close();
      continue;
    }
    const rtcp = createSocket(family);
    const ok = await new Promise<boolean>((resolve) => {
      rtcp.once('error', () => resolve(false));
      rtcp.bind(port + 1, () => resolve(true));
    });
    if (ok) return [rtp, rtcp];
    rtp.close();
    rtcp.close();
  }
  throw new RtspPullError('RELAY_UDP_PORTS', 'no free UDP port pair for RTP/RTCP');
}

/**
 * Reads a stream from an RTSP server or IP camera: RTP over the RTSP connection (default) or
 * over UDP (`?transport=udp` on the source URL; the parameter is not sent to the server); over
 * TLS for `rtsps://` (interleaved only; `?fingerprint=` pins a self-signed certificate).
 * Credentials in the URL answer a Basic or Digest challenge. RTP is depacketized by the same
 * code as an RTSP publish (RtspPublisher: reorder for UDP, RTCP sender-report alignment).
 */
export function rtspSourceClient(url: RelayUrl, options: SourceClientOptions, events: SourceClientEvents): SourceClient {
  const tls = url.scheme === 'rtsps';
  const fingerprint = tls ? relayFingerprint(url) : undefined;
  const params = new URLSearchParams(url.search);
  // RTSPS: RTP interleaved on the TLS connection only (parseRelayUrl refuses transport=udp).
  const transport = !tls && params.get('transport')?.toLowerCase() === 'udp' ? 'udp' : 'tcp';
  params.delete('transport');
  params.delete('fingerprint');
  const query = params.toString();
  const hostPart = url.host.includes(':') ? `[${url.host}]` : url.host;
  const presentation = `${url.scheme}://${hostPart}:${url.port}${url.path}${query === '' ? '' : `?${query}`}`;
  let socket: Socket | undefined;
  let session: RtspClientSession | undefined;
  let publisher: RtspPublisher | undefined;
  const udp: UdpSocket[] = [];
  let bytesIn = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let rtcpTimer: NodeJS.Timeout | undefined;

  const finish = (err: (Error & { code?: string }) | undefined): void => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    if (keepAlive) clearInterval(keepAlive);
    if (rtcpTimer) clearInterval(rtcpTimer);
    if (err === undefined) {
      try {
        session?.teardown();
      } catch {
        // best effort
      }
    }
    session?.close();
    for (const s of udp) s.close();
    socket?.end();
    setTimeout(() => socket?.destroy(), err === undefined ? 300 : 0).unref();
    events.onClose(err);
  };
  const fail = (err: unknown): void => {
    if (err instanceof ProtocolError) finish(new RtspPullError(err.code, err.message));
    else finish(err as Error);
  };

  const sink: Publication = { path: '', push: (frame) => events.onFrame(frame), end: () => {} };

  const onEvent = (event: RtspClientEvent): void => {
    switch (event.type) {
      case 'playing': {
        if (timer) clearTimeout(timer);
        publisher = new RtspPublisher(event.tracks, sink);
        if (transport === 'udp') event.tracks.forEach((_, i) => publisher!.useReorderBuffer(i));
        keepAlive = setInterval(() => session?.keepAlive(), Math.max(5, event.sessionTimeoutS / 2) * 1000);
        keepAlive.unref();
        if (transport === 'udp') {
          // Receiver reports keep servers that watch RTCP (and NATs) sending.
          rtcpTimer = setInterval(() => {
            event.serverPorts.forEach((ports, i) => {
              if (ports) udp[2 * i + 1]?.send(buildReceiverReport(0x5347, []), ports[1], socket?.remoteAddress ?? url.host);
            });
          }, 5000);
          rtcpTimer.unref();
        }
        events.onStart();
        return;
      }
      case 'rtp':
        publisher?.onRtp(event.track, event.payload);
        return;
      case 'rtcp':
        publisher?.onRtcp(event.track, event.payload);
        return;
      case 'rejected':
        finish(new RtspPullError('RELAY_REJECTED', `${event.method} answered ${event.status} ${event.reason}`));
        return;
    }
  };

  const start = async (): Promise<void> => {
    timer = setTimeout(() => finish(new RtspPullError('RELAY_TIMEOUT', `no PLAY within ${options.timeoutMs} ms`)), options.timeoutMs);
    timer.unref();
    const s = await connectRelaySocket({ host: url.host, port: url.port, tls, ...(fingerprint !== undefined ? { fingerprint } : {}), allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs });
    if (closed) {
      s.destroy();
      return;
    }
    socket = s;
    const family = s.remoteFamily === 'IPv6' ? 'udp6' : 'udp4';
    const pairs: [UdpSocket, UdpSocket][] = [];
    session = new RtspClientSession({
      url: presentation,
      username: url.username,
      password: url.password,
      transport,
      udpPorts: (i) => {
        const pair = pairs[i];
        if (pair === undefined) throw new RtspPullError('RELAY_UDP_PORTS', `no UDP ports for track ${i}`);
        return [pair[0].address().port, pair[1].address().port];
      },
      send: (data) => {
        if (!s.destroyed) s.write(data);
      },
      onEvent,
    });
    if (transport === 'udp') {
      // Enough pairs for the tracks a source may describe (bounded by SDP limits; 4 covers cameras).
      for (let i = 0; i < 4; i++) {
        const pair = await bindPair(family);
        if (closed) {
          pair[0].close();
          pair[1].close();
          return;
        }
        pairs.push(pair);
        udp.push(...pair);
        const from = s.remoteAddress;
        pair[0].on('message', (msg, rinfo) => {
          // Only the server we talk to may feed the stream (RTP injection from elsewhere is dropped).
          if (rinfo.address !== from) return;
          bytesIn += msg.byteLength;
          try {
            publisher?.onRtp(i, msg);
          } catch (err) {
            fail(err);
          }
        });
        pair[1].on('message', (msg, rinfo) => {
          if (rinfo.address !== from) return;
          try {
            publisher?.onRtcp(i, msg);
          } catch (err) {
            fail(err);
          }
        });
      }
    }
    s.on('data', (chunk: Buffer) => {
      if (closed) return;
      bytesIn += chunk.byteLength;
      try {
        session!.feed(chunk);
      } catch (err) {
        fail(err);
      }
    });
    s.on('error', (err) => finish(new RtspPullError('RELAY_CONNECT_FAILED', err.message)));
    s.on('close', () => finish(new RtspPullError('RELAY_CLOSED', 'the source closed the connection')));
    session.start();
  };

  return {
    start: () => void start().catch(fail),
    close: () => finish(undefined),
    get bytesIn() {
      return bytesIn;
    },
  };
}
