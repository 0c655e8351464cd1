/**
 * Whether an HTTP-FLV request announces that its player reads Enhanced FLV Opus audio
 * (SoundFormat 9, fourcc `Opus`): a `fourCcList` query field naming `Opus` or `*`, comma-separated
 * or repeated — the list Enhanced RTMP's `connect` carries (playerReadsOpus), which an HTTP request
 * has no other place for. A request that announces nothing (FFmpeg 5.1 and 6, VLC, classic
 * flv.js) is sent no Opus: an Opus tag leaves FFmpeg 5.1 with no streams at all.
 */
export function httpFlvReadsOpus(query: string): boolean {
  if (!query.includes('fourCcList')) return false;
  for (const value of new URLSearchParams(query).getAll('fourCcList')) {
    if (value.split(',').some((c) => c.trim() === 'Opus' || c.trim() === '*')) return true;
  }
  return false;
}
