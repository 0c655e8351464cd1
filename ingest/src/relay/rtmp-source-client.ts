import { RtmpClient } from './rtmp-client.js';
import type { RtmpEndpoint } from './rtmp-endpoint.js';
import type { SourceClient, SourceClientEvents, SourceClientOptions } from './source-client.js';

/** Reads a stream with RTMP play (another streamgate, nginx-rtmp, any RTMP server). */
export function rtmpSourceClient(endpoint: RtmpEndpoint, options: SourceClientOptions, events: SourceClientEvents): SourceClient {
  const client = new RtmpClient({
    endpoint,
    mode: 'play',
    allowPrivate: options.allowPrivate,
    timeoutMs: options.timeoutMs,
    onEvent: (event) => {
      if (event.type === 'playing') events.onStart();
      else if (event.type === 'frame') events.onFrame(event.frame);
    },
    onClose: (err) => events.onClose(err),
  });
  return {
    start: () => client.start(),
    close: () => client.close(),
    get bytesIn() {
      return client.bytesIn;
    },
  };
}
