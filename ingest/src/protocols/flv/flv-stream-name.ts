import { decodeAmf0 } from '../amf/amf0-decoder.js';

/**
 * The `streamName` of an FLV script-data tag body (`onMetaData`, optionally after
 * `@setDataFrame`), which names the stream for raw FLV ingest (`ffmpeg -f flv -metadata
 * streamName=NAME tcp://…`). Undefined for other script tags or without a string streamName.
 * Malformed AMF raises the AMF decoder's ProtocolError.
 */
export function flvStreamName(scriptBody: Uint8Array): string | undefined {
  const values = decodeAmf0(scriptBody);
  const at = values.indexOf('onMetaData');
  if (at < 0) return undefined;
  const metadata = values[at + 1];
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const name = (metadata as Record<string, unknown>).streamName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
