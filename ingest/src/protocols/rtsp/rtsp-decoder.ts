import { LIMITS } from '../limits.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';
import type { RtspRequest, RtspResponse, RtspUnit } from './rtsp-message.js';
import { concatBytes } from '#ingest/media/concat-bytes.js';
import { UNBOUNDED_PENDING_BYTES, type PendingBytesAccount } from '../pending-bytes-budget.js';

/** Bound on a whole request/response head (start line and headers), so a slow drip of short lines stays cheap. */
export const RTSP_MAX_HEAD_BYTES = LIMITS.rtspMaxHeadBytes;

/** Options of {@link RtspDecoder}; defaults from LIMITS. */
export interface RtspDecoderOptions {
  readonly maxHeadBytes?: number;
  readonly maxHeaderLineLength?: number;
  readonly maxHeaderCount?: number;
  readonly maxBodySize?: number;
  readonly maxInterleavedSize?: number;
  /** The connection's account: the bytes kept between calls are counted there (PENDING_BYTES_*). */
  readonly pending?: PendingBytesAccount;
}

/**
 * Push parser for one RTSP TCP connection: requests, responses and `$`-interleaved binary frames
 * mixed on one stream. Keeps partial input between calls, as a copy: it keeps no view of the bytes
 * given to `push`, so the caller may reuse them once `push` returns (a socket's shared read buffer).
 * Message bodies are copies too; an interleaved unit's payload is a view of those bytes (or of the
 * decoder's own copy), valid only as long as the caller leaves them unchanged. Raises `RTSP_HEADER_TOO_LONG` ("Headers
 * section too long"), `RTSP_TOO_MANY_HEADERS`, `RTSP_BODY_TOO_LARGE`, `RTSP_BAD_CONTENT_LENGTH`,
 * `RTSP_BAD_START_LINE`, `RTSP_BAD_HEADER`, `RTSP_INTERLEAVED_TOO_LARGE`.
 */
export class RtspDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private need = 1;
  private readonly maxLine: number;
  private readonly maxHead: number;
  private readonly maxHeaders: number;
  private readonly maxBody: number;
  private readonly maxInterleaved: number;
  private readonly pending: PendingBytesAccount;
  /** Bytes of `chunks` counted in `pending`. */
  private counted = 0;

  constructor(options: RtspDecoderOptions = {}) {
    this.maxLine = options.maxHeaderLineLength ?? LIMITS.rtspMaxHeaderLineLength;
    this.maxHead = options.maxHeadBytes ?? RTSP_MAX_HEAD_BYTES;
    this.maxHeaders = options.maxHeaderCount ?? LIMITS.rtspMaxHeaderCount;
    this.maxBody = options.maxBodySize ?? LIMITS.rtspMaxBodySize;
    this.maxInterleaved = options.maxInterleavedSize ?? LIMITS.rtpMaxPacketSize;
    this.pending = options.pending ?? UNBOUNDED_PENDING_BYTES;
  }

  /** Bytes kept for a unit not complete yet. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Consumes bytes; returns every unit they complete. */
  push(bytes: Uint8Array): RtspUnit[] {
    const units: RtspUnit[] = [];
    if (bytes.length === 0) return units;
    if (this.buffered + bytes.length < this.need) {
      // Counted before they are kept: past the connection's bound the bytes are refused.
      this.count(this.buffered + bytes.length);
      this.chunks.push(copyOf(bytes, 0, bytes.length));
      this.buffered += bytes.length;
      return units;
    }
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    const buf = this.chunks.length === 1 ? this.chunks[0] : concatBytes(this.chunks, this.buffered);
    let o = 0;
    let need = 1;
    for (;;) {
      // CR/LF between messages (keep-alives, trailing newline after a body) are skipped
      while (o < buf.length && (buf[o] === 0x0d || buf[o] === 0x0a)) o++;
      if (o >= buf.length) break;
      if (buf[o] === 0x24) {
        if (buf.length - o < 4) {
          need = 4;
          break;
        }
        const length = (buf[o + 2] << 8) | buf[o + 3];
        checkLimit('RTSP_INTERLEAVED_TOO_LARGE', 'Interleaved frame', length, this.maxInterleaved);
        if (buf.length - o < 4 + length) {
          need = 4 + length;
          break;
        }
        units.push({ type: 'interleaved', channel: buf[o + 1], payload: buf.subarray(o + 4, o + 4 + length) });
        o += 4 + length;
        continue;
      }
      const parsed = this.message(buf, o);
      if (parsed === undefined) {
        need = buf.length - o + 1;
        break;
      }
      if ('need' in parsed) {
        need = parsed.need;
        break;
      }
      units.push(parsed.unit);
      o = parsed.end;
    }
    const rest = buf.length - o;
    this.count(rest);
    this.chunks = rest > 0 ? [copyOf(buf, o, buf.length)] : [];
    this.buffered = rest;
    this.need = need;
    return units;
  }

  private count(bytes: number): void {
    this.pending.resize(this.counted, bytes);
    this.counted = bytes;
  }

  /** Parses a message at `start`: undefined when the head is incomplete, `need` when the body is. */
  private message(buf: Uint8Array, start: number): { unit: RtspRequest | RtspResponse; end: number } | { need: number } | undefined {
    const lines: string[] = [];
    let o = start;
    for (;;) {
      let eol = -1;
      const limit = Math.min(buf.length, o + this.maxLine + 2);
      for (let i = o; i < limit; i++) {
        if (buf[i] === 0x0a) {
          eol = i;
          break;
        }
      }
      if (eol < 0) {
        if (buf.length - start > this.maxHead) throw new ProtocolError('RTSP_HEADER_TOO_LONG', `Headers section too long: more than ${buf.length - start} bytes > limit ${this.maxHead}`);
        if (buf.length - o > this.maxLine) {
          throw new ProtocolError('RTSP_HEADER_TOO_LONG', `Headers section too long: line of more than ${buf.length - o} bytes > limit ${this.maxLine}`);
        }
        return undefined;
      }
      if (eol + 1 - start > this.maxHead) throw new ProtocolError('RTSP_HEADER_TOO_LONG', `Headers section too long: more than ${eol + 1 - start} bytes > limit ${this.maxHead}`);
      const lineEnd = eol > o && buf[eol - 1] === 0x0d ? eol - 1 : eol;
      if (lineEnd - o > this.maxLine) throw new ProtocolError('RTSP_HEADER_TOO_LONG', `Headers section too long: line of ${lineEnd - o} bytes > limit ${this.maxLine}`);
      const line = latin1(buf, o, lineEnd);
      o = eol + 1;
      if (line === '') break;
      lines.push(line);
      if (lines.length > this.maxHeaders + 1) {
        throw new ProtocolError('RTSP_TOO_MANY_HEADERS', `Headers section too long: ${lines.length - 1} header lines > limit ${this.maxHeaders}`);
      }
    }
    const headers: [string, string][] = [];
    let contentLength = 0;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ProtocolError('RTSP_BAD_HEADER', `malformed header line: ${line.slice(0, 64)}`);
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      headers.push([name, value]);
      if (name.toLowerCase() === 'content-length') {
        if (!/^\d{1,10}$/.test(value)) throw new ProtocolError('RTSP_BAD_CONTENT_LENGTH', `bad Content-Length: ${value.slice(0, 32)}`);
        contentLength = Number(value);
        checkLimit('RTSP_BODY_TOO_LARGE', 'Body', contentLength, this.maxBody);
      }
    }
    if (buf.length - o < contentLength) return { need: o - start + contentLength };
    const body = copyOf(buf, o, o + contentLength);
    const end = o + contentLength;
    const first = lines[0];
    const status = /^RTSP\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(first);
    if (status) return { unit: { type: 'response', status: Number(status[3]), reason: status[4] ?? '', headers, body }, end };
    const request = /^([A-Za-z_][A-Za-z0-9_-]{0,31}) (\S+) RTSP\/\d\.\d$/.exec(first);
    if (request) return { unit: { type: 'request', method: request[1], uri: request[2], headers, body }, end };
    throw new ProtocolError('RTSP_BAD_START_LINE', `not an RTSP start line: ${first.slice(0, 64)}`);
  }
}

/** Bytes `start`..`end` of `buf` in a new array of their own (a Buffer's `slice` is a view). */
function copyOf(buf: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(buf, start, end);
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
  return s;
}
