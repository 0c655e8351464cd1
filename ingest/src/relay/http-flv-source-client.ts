import { StreamgateError } from '#domain/errors.js';
import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { relayAddressRefusal, type RelayUrl } from '#domain/relay-url.js';
import { decodeFlvPayload } from '../media/flv-payload.js';
import { FlvDemuxer } from '../protocols/flv/flv-demuxer.js';
import { ProtocolError } from '../protocols/protocol-error.js';
import { guardedLookup, RelayConnectError } from './relay-socket.js';
import type { SourceClient, SourceClientEvents, SourceClientOptions } from './source-client.js';

/** A coded failure of an HTTP-FLV pull. */
class HttpFlvError extends StreamgateError {
  override readonly name = 'HttpFlvError';
}

/**
 * Reads a stream over HTTP-FLV (`http(s)://host/APP/STREAM.flv` of another streamgate,
 * nginx-http-flv, SRS): a GET whose body is an FLV stream, demuxed with the bounded FlvDemuxer.
 * Credentials in the URL go as Basic auth. The resolved address passes the relay policy.
 */
export function httpFlvSourceClient(url: RelayUrl, options: SourceClientOptions, events: SourceClientEvents): SourceClient {
  let bytesIn = 0;
  let closed = false;
  let started = false;
  let req: ClientRequest | undefined;
  let timer: NodeJS.Timeout | undefined;
  const demuxer = new FlvDemuxer();

  const finish = (err: (Error & { code?: string }) | undefined): void => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    req?.destroy();
    events.onClose(err);
  };

  const onResponse = (res: IncomingMessage): void => {
    if (res.statusCode !== 200) {
      res.resume();
      finish(new HttpFlvError('RELAY_REJECTED', `HTTP ${res.statusCode ?? 0} from the source`));
      return;
    }
    // A live body never pauses for long: a silent one is a source gone without a FIN (a host lost).
    res.socket.setTimeout(Math.max(options.timeoutMs, 5000), () => finish(new HttpFlvError('RELAY_TIMEOUT', 'the source went silent')));
    res.on('data', (chunk: Buffer) => {
      if (closed) return;
      bytesIn += chunk.byteLength;
      try {
        for (const tag of demuxer.push(chunk)) {
          const frame = decodeFlvPayload(tag.tagType, tag.timestamp, tag.body);
          if (frame === undefined) continue;
          if (!started) {
            started = true;
            if (timer) clearTimeout(timer);
            events.onStart();
          }
          events.onFrame(frame);
        }
      } catch (err) {
        if (err instanceof ProtocolError) finish(new HttpFlvError(err.code, err.message));
        else finish(err as Error);
      }
    });
    res.on('end', () => finish(new HttpFlvError('RELAY_ENDED', 'the source ended the stream')));
    res.on('error', (err) => finish(err));
  };

  return {
    start() {
      if (isIP(url.host) !== 0) {
        const refusal = relayAddressRefusal(url.host, options.allowPrivate);
        if (refusal !== undefined) {
          queueMicrotask(() => finish(new RelayConnectError('RELAY_ADDRESS_REFUSED', refusal)));
          return;
        }
      }
      timer = setTimeout(() => finish(new HttpFlvError('RELAY_TIMEOUT', `no media within ${options.timeoutMs} ms`)), options.timeoutMs);
      timer.unref();
      const headers: Record<string, string> = { 'user-agent': 'streamgate-relay', ...options.headers };
      if (url.username !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${url.username}:${url.password ?? ''}`).toString('base64')}`;
      }
      const request = url.scheme === 'https' ? httpsRequest : httpRequest;
      req = request({
        host: url.host,
        port: url.port,
        path: url.path + url.search,
        method: 'GET',
        headers,
        lookup: guardedLookup(options.allowPrivate),
        agent: false,
      });
      req.on('response', onResponse);
      req.on('error', (err) => finish(err instanceof RelayConnectError ? err : new HttpFlvError('RELAY_CONNECT_FAILED', err.message)));
      req.end();
    },
    close: () => finish(undefined),
    get bytesIn() {
      return bytesIn;
    },
  };
}
