/** A finished segment as the playlist lists it. */
export interface PlaylistEntry {
  /** Media sequence number (RFC 8216 §4.3.3.2). */
  readonly sequence: number;
  /** URI relative to the playlist. */
  readonly name: string;
  /** Seconds. */
  readonly duration: number;
  /** Preceded by EXT-X-DISCONTINUITY (new publisher, timestamp jump, cut after a gap). */
  readonly discontinuity: boolean;
}

/** Everything a media playlist is rendered from. */
export interface PlaylistState {
  /** EXT-X-TARGETDURATION, whole seconds (≥ every EXTINF rounded, RFC 8216 §4.3.3.1). */
  readonly targetDuration: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE: discontinuities evicted so far (§4.3.3.3). */
  readonly discontinuitySequence: number;
  /** Oldest first; the first one's sequence is EXT-X-MEDIA-SEQUENCE. */
  readonly entries: readonly PlaylistEntry[];
  /** The publisher stopped: EXT-X-ENDLIST. */
  readonly ended: boolean;
}

/**
 * Renders a live HLS media playlist (RFC 8216, version 3: decimal EXTINF). The media sequence of an
 * empty playlist is `nextSequence` so that it never goes backwards.
 */
export function renderHlsPlaylist(state: PlaylistState, nextSequence = 0): string {
  const first = state.entries[0]?.sequence ?? nextSequence;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${state.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
  ];
  if (state.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${state.discontinuitySequence}`);
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  for (const e of state.entries) {
    if (e.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${e.duration.toFixed(3)},`, e.name);
  }
  if (state.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
