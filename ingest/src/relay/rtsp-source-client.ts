import type { RelayUrl } from '../../../domain/src/relay-url.js';
import type { SourceClient, SourceClientEvents, SourceClientOptions } from './source-client.js';

/** Reads a stream from an RTSP server or camera. */
export function rtspSourceClient(url: RelayUrl, options: SourceClientOptions, events: SourceClientEvents): SourceClient {
  void url;
  void options;
  return {
    start: () => queueMicrotask(() => events.onClose(Object.assign(new Error('RTSP pull is not built yet'), { code: 'RELAY_UNSUPPORTED' }))),
    close: () => {},
    bytesIn: 0,
  };
}
