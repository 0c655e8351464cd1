/**
 * What a connect looks like before any publish/play: `publisher`, `player` or `unknown`.
 * The Adobe challenge has to happen at connect (FFmpeg, OBS and GStreamer only answer a rejected
 * connect), but anonymous players must not be challenged when play auth is off.
 */
export type ConnectRole = 'publisher' | 'player' | 'unknown';

/**
 * Classifies a connect by its command object: `type: "nonprivate"` is what publishing clients
 * send (FFmpeg, OBS, librtmp when writing, GStreamer rtmp2) → `publisher`; otherwise the playback
 * capabilities `fpad`/`audioCodecs`/`videoCodecs` (FFmpeg/librtmp/Flash when reading) → `player`;
 * neither → `unknown`. This is a hint for whom to challenge, never a grant: `flashVer` is not
 * looked at (AUTH-SPEC §3.5.6) and every publish is still authorized.
 */
export function classifyConnect(commandObject: Readonly<Record<string, unknown>> | undefined): ConnectRole {
  if (!commandObject) return 'unknown';
  if (commandObject.type === 'nonprivate') return 'publisher';
  if ('fpad' in commandObject || 'audioCodecs' in commandObject || 'videoCodecs' in commandObject) return 'player';
  return 'unknown';
}
