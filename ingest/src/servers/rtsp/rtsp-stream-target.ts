import { canonicalStream, StreamNameError, type StreamIdentity } from '#domain/canonical-stream.js';
import { RtspRequestError } from '#ingest/protocols/rtsp/rtsp-request-error.js';
import { redactUri } from '#ingest/protocols/rtsp/rtsp-server-session.js';
import { splitQuery } from '../stream-name.js';

/** The stream an RTSP request names, and the query it carried (credentials, options). */
export interface RtspStreamTarget extends StreamIdentity {
  readonly query: string;
}

/**
 * `rtsp://host[:port]/APP/STREAM[?query]` → the canonical stream identity (the one function every
 * protocol uses) and the query. A URL with only the app takes the stream from the SDP session
 * name (`ffmpeg -metadata title=test … rtsp://host/flvplayback`). Raises RtspRequestError: 400 for
 * a URL that is not rtsp:// or a name that cannot be a stream, 404 for a URL without app or stream.
 */
export function rtspStreamTarget(uri: string, sessionName: string): RtspStreamTarget {
  const m = /^rtsps?:\/\/[^/]*(\/[\s\S]*)?$/i.exec(uri);
  if (!m) throw new RtspRequestError(400, 'RTSP_BAD_URI', `not an rtsp:// URL: ${redactUri(uri).slice(0, 64)}`);
  const { name, query } = splitQuery(m[1] ?? '/');
  const parts = name.split('/').filter((p) => p !== '').map(safeDecode);
  const app = parts[0];
  if (app === undefined) throw new RtspRequestError(404, 'RTSP_NO_APP', 'URL without an application');
  const stream = parts.length > 1 ? parts.slice(1).join('/') : sessionName.trim();
  if (stream === '' || stream === '-' || stream === 'No Name') throw new RtspRequestError(404, 'RTSP_NO_STREAM', 'URL without a stream name and SDP without a session name');
  try {
    return { ...canonicalStream(app, stream), query };
  } catch (err) {
    if (err instanceof StreamNameError) throw new RtspRequestError(400, 'RTSP_BAD_STREAM_NAME', `invalid stream name: ${err.message}`, { cause: err });
    throw err;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new RtspRequestError(400, 'RTSP_BAD_URI', `bad percent-encoding in ${s.slice(0, 32)}`);
  }
}
