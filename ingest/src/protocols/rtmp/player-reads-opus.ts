/**
 * Whether an RTMP player's connect command object announces that it reads Opus audio: Enhanced
 * RTMP lists the codecs a client handles in `fourCcList` (v1, `'*'` for all) and, per codec, in
 * `audioFourCcInfoMap` (v2). A client that announces nothing (FFmpeg 5.1 and 6, librtmp/rtmpdump,
 * GStreamer, Flash) reads only the legacy FLV audio formats: an Opus tag (SoundFormat 9, `Opus`
 * fourcc) leaves FFmpeg 5.1 with no streams at all (ffprobe waits forever), so it never gets one.
 */
export function playerReadsOpus(commandObject: Readonly<Record<string, unknown>>): boolean {
  const list = commandObject.fourCcList;
  if (Array.isArray(list) && list.some((c) => c === 'Opus' || c === '*')) return true;
  const map = commandObject.audioFourCcInfoMap;
  if (map !== null && typeof map === 'object' && !Array.isArray(map)) {
    const keys = Object.keys(map);
    return keys.includes('Opus') || keys.includes('*');
  }
  return false;
}
