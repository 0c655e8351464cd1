import { ProtocolError } from '../protocol-error.js';

/** The Session header (RFC 2326 §12.37): id and optional timeout in seconds. */
export interface RtspSessionHeader {
  readonly id: string;
  readonly timeout?: number;
}

/** Parses `id[;timeout=N]`. Raises `RTSP_BAD_SESSION`. */
export function parseSessionHeader(value: string): RtspSessionHeader {
  const [id, ...params] = value.split(';').map((s) => s.trim());
  if (!/^[A-Za-z0-9$\-_.+]{1,128}$/.test(id)) throw new ProtocolError('RTSP_BAD_SESSION', `bad session id ${id.slice(0, 32)}`);
  for (const p of params) {
    const m = /^timeout=(\d{1,6})$/i.exec(p);
    if (m) return { id, timeout: Number(m[1]) };
  }
  return { id };
}

/** Formats a Session header value. */
export function formatSessionHeader(session: RtspSessionHeader): string {
  return session.timeout === undefined ? session.id : `${session.id};timeout=${session.timeout}`;
}

/** `npt=START-[END]` Range value (RFC 2326 §3.6), seconds with millisecond precision. */
export function formatNptRange(startSeconds: number, endSeconds?: number): string {
  const f = (s: number): string => (Math.round(s * 1000) / 1000).toFixed(3);
  return `npt=${f(startSeconds)}-${endSeconds === undefined ? '' : f(endSeconds)}`;
}

/** One stream of an RTP-Info header (RFC 2326 §12.33). */
export interface RtpInfoEntry {
  readonly url: string;
  readonly seq?: number;
  readonly rtptime?: number;
}

/** Formats an RTP-Info header value. */
export function formatRtpInfo(entries: readonly RtpInfoEntry[]): string {
  return entries
    .map((e) => [`url=${e.url}`, ...(e.seq !== undefined ? [`seq=${e.seq}`] : []), ...(e.rtptime !== undefined ? [`rtptime=${e.rtptime >>> 0}`] : [])].join(';'))
    .join(',');
}
