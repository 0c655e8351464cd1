import type { RelayUrl } from '#domain/relay-url.js';
import { httpFlvSourceClient } from './http-flv-source-client.js';
import { rtmpEndpoint } from './rtmp-endpoint.js';
import { rtmpSourceClient } from './rtmp-source-client.js';
import { rtspSourceClient } from './rtsp-source-client.js';
import type { SourceClient, SourceClientEvents, SourceClientOptions } from './source-client.js';
import { SrtClient } from './srt-client.js';
import { srtEndpoint } from '#domain/srt-endpoint.js';

/**
 * The client that reads `url`: RTMP(S) play, RTSP (TCP interleaved, or UDP with
 * `?transport=udp`), HTTP(S)-FLV, SRT (caller, MPEG-TS). Shared by pull sources and cluster edge pulls.
 */
export function createSourceClient(url: RelayUrl, options: SourceClientOptions, events: SourceClientEvents): SourceClient {
  switch (url.scheme) {
    case 'rtmp':
    case 'rtmps': {
      const endpoint = rtmpEndpoint(url);
      if (endpoint === undefined) throw new Error('an rtmp source URL needs /APP/STREAM');
      return rtmpSourceClient(endpoint, options, events);
    }
    case 'http':
    case 'https':
      return httpFlvSourceClient(url, options, events);
    case 'rtsp':
    case 'rtsps':
      return rtspSourceClient(url, options, events);
    case 'srt':
      return new SrtClient({
        endpoint: srtEndpoint(url),
        mode: 'read',
        allowPrivate: options.allowPrivate,
        timeoutMs: options.timeoutMs,
        onStart: () => events.onStart(),
        onFrame: (frame) => events.onFrame(frame),
        onClose: (err) => events.onClose(err),
      });
  }
}
