import { LIMITS } from '../limits.js';
import { UNBOUNDED_PENDING_BYTES, type PendingBytesAccount } from '../pending-bytes-budget.js';
import { ProtocolError, type ProtocolErrorCode } from '../protocol-error.js';
import { BoundedMemo } from './bounded-memo.js';
import { normalizeRequestPath, type RequestPath } from './normalize-request-path.js';

/** One header field as it arrived (name case kept, value without surrounding whitespace). */
export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

/** A complete HTTP/1.x request: head, normalised path and whole body. */
export interface HttpRequest {
  /** The method token, case kept (methods are case-sensitive, RFC 9110 §9.1). */
  readonly method: string;
  /** The request-target exactly as sent. */
  readonly target: string;
  /** Normalised decoded path (see normalizeRequestPath). */
  readonly path: string;
  readonly segments: readonly string[];
  /** Raw query without `?`, `''` when none. */
  readonly query: string;
  readonly version: '1.0' | '1.1';
  /** Fields in arrival order. */
  readonly headers: readonly HttpHeader[];
  /** Whether the connection stays open after the response (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
  /** Whether the body came with chunked transfer coding. */
  readonly chunked: boolean;
  /** The de-chunked body; empty when there was none. */
  readonly body: Uint8Array;
}

/** Limits of one parser; each defaults to the named entry in LIMITS. */
export interface HttpRequestParserOptions {
  readonly maxUriLength?: number;
  readonly maxHeaderBytes?: number;
  readonly maxHeaderCount?: number;
  readonly maxBodySize?: number;
  readonly maxChunkLineLength?: number;
  /**
   * Where the bytes of the request being assembled (line, head, body) are counted before they are
   * kept; its refusal is thrown from `push`. Default: not counted.
   */
  readonly pending?: PendingBytesAccount;
  /** Called with each request's method and target once its head is complete, before its body is read. */
  readonly onHead?: (method: string, target: string) => void;
}

/** The kinds of line takeLine reads: each has its own refusals. */
type LineKind = 'request-line' | 'field' | 'chunk-size' | 'chunk-end';
const BARE_LF_CODE: Record<LineKind, ProtocolErrorCode> = {
  'request-line': 'HTTP_BAD_REQUEST_LINE',
  field: 'HTTP_BAD_HEADER',
  'chunk-size': 'HTTP_BAD_CHUNK',
  'chunk-end': 'HTTP_BAD_CHUNK',
};

type State = 'request-line' | 'headers' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'closed';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([^ ]+) ([^ ]+) (HTTP\/\d\.\d)$/;
const EMPTY = new Uint8Array(0);
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
// RFC 9112 §2.2 lets a server ignore "at least one" empty line before a request line; a few more
// are tolerated, then it is garbage.
const MAX_LEADING_EMPTY_LINES = 4;

/** A request line taken apart: method, target, version and the normalised path. */
interface RequestLine {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly where: RequestPath;
}

function parseRequestLine(text: string, maxUriLength: number = LIMITS.httpMaxUriLength): RequestLine {
  const m = REQUEST_LINE.exec(text);
  if (!m) throw new ProtocolError('HTTP_BAD_REQUEST_LINE', 'Request line is not "method SP target SP version"');
  const [, method, target, versionText] = m as unknown as [string, string, string, string];
  if (!TOKEN.test(method)) throw new ProtocolError('HTTP_BAD_REQUEST_LINE', 'Method is not a token');
  if (target.length > maxUriLength) {
    throw new ProtocolError('HTTP_URI_TOO_LONG', `Request-target too long: ${target.length} > limit ${maxUriLength}`);
  }
  let version: '1.0' | '1.1';
  if (versionText === 'HTTP/1.1') version = '1.1';
  else if (versionText === 'HTTP/1.0') version = '1.0';
  else throw new ProtocolError('HTTP_VERSION_NOT_SUPPORTED', `${versionText} not supported`);
  // Validate the target now so a bad path is refused before any header is read.
  return { method, target, version, where: normalizeRequestPath(target, maxUriLength) };
}

/**
 * Request lines parsed once for every connection (BoundedMemo: players repeat the same few). With
 * GET_ROUTES (http-route.ts): 9.6 → 5.8 µs per browser request (medians of 6,
 * `node --import tsx bench/http-request-cost.ts`, alternating, load 5.5).
 */
const MEMO_LINE_LENGTH = 512;
const REQUEST_LINES = new BoundedMemo((text) => parseRequestLine(text), 512, MEMO_LINE_LENGTH);

/** Whether a request of `version` with these Connection values keeps its connection (RFC 9112 §9.3). */
function keepsAlive(version: '1.0' | '1.1', connections: readonly string[]): boolean {
  let close = false;
  let keepAlive = false;
  for (const value of connections) {
    for (const option of value.includes(',') ? value.split(',') : [value]) {
      const name = option.trim().toLowerCase();
      if (name === 'close') close = true;
      else if (name === 'keep-alive') keepAlive = true;
    }
  }
  return !close && (version === '1.1' || keepAlive);
}

/** Bytes `start`..`end` of `bytes` as a latin1 string (a socket's Buffer is read in place). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return asBuffer(bytes).toString('latin1', start, end);
}

/** `bytes` as a Buffer over the same memory (a socket's Buffer as it is). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** True when `c` is SP or HTAB (the whitespace around a field value, RFC 9110 §5.5). */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** True when field name `name` is `lower` (lower-case ASCII) in any case, without making a lower-cased copy. */
function isFieldName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Value of the first field `name` (any case), or undefined. */
export function headerValue(headers: readonly HttpHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const h of headers) if (isFieldName(h.name, lower)) return h.value;
  return undefined;
}

/**
 * Push parser for HTTP/1.0 and 1.1 requests on a server connection (RFC 9112), sans-I/O: feed it
 * the bytes of a socket with `push()` and get back every request completed by them, in order
 * (pipelining and keep-alive included). Every length is bounded before it is buffered:
 * request-target (HTTP_URI_TOO_LONG), head bytes (HTTP_HEADERS_TOO_LONG), field count
 * (HTTP_TOO_MANY_HEADERS), body (HTTP_BODY_TOO_LARGE, checked against Content-Length before
 * allocation and against the running total of chunks). Map codes to statuses with
 * `httpErrorStatus`.
 *
 * Errors: `push()` throws a ProtocolError. When requests were already completed earlier in the same
 * chunk, they are returned and the error is kept in `error` (and thrown by the next `push()`), so
 * the server answers them first and then the error. After a request that does not keep the
 * connection alive, further bytes are ignored (RFC 9112 §9.6).
 */
export class HttpRequestParser {
  private readonly maxUriLength: number;
  private readonly maxHeaderBytes: number;
  private readonly maxHeaderCount: number;
  private readonly maxBodySize: number;
  private readonly maxChunkLineLength: number;
  private readonly pending: PendingBytesAccount;
  private readonly onHead: ((method: string, target: string) => void) | undefined;
  /** Bytes of the request being assembled that are counted in `pending`. */
  private counted = 0;

  private state: State = 'request-line';
  private failure: ProtocolError | undefined;
  // The line being assembled across pushes (copied: a few KiB at most).
  private lineParts: Uint8Array[] = [];
  private lineLength = 0;
  /** Where the last takeLine left off, and the bytes of the line it took (terminator included). */
  private lineNext = 0;
  private lineTotal = 0;
  private emptyLines = 0;
  private headBytes = 0;
  // The request being assembled.
  private requestLine: RequestLine | undefined;
  private headers: HttpHeader[] = [];
  /** The fields that decide framing and keep-alive, noted as they arrive (values, arrival order). */
  private hostCount = 0;
  private transferEncodings: string[] = [];
  private contentLengths: string[] = [];
  private connections: string[] = [];
  private trailerCount = 0;
  private bodyLength = 0;
  private bodyFilled = 0;
  /** Content-Length body as it arrived (copied), joined once complete: a declared length costs nothing until it is sent. */
  private bodyParts: Uint8Array[] = [];
  private chunks: Uint8Array[] = [];
  private chunkedTotal = 0;
  private chunkRemaining = 0;
  /**
   * Bytes `textStart`..`textEnd` of `textChunk` as one latin1 string: a head's lines are sliced
   * from one conversion instead of one each (bench/http-request-cost.ts: see textOf).
   */
  private text = '';
  private textChunk: Uint8Array | undefined;
  private textStart = 0;
  private textEnd = 0;
  private readonly maxTextBytes: number;

  constructor(options: HttpRequestParserOptions = {}) {
    this.maxUriLength = options.maxUriLength ?? LIMITS.httpMaxUriLength;
    this.maxHeaderBytes = options.maxHeaderBytes ?? LIMITS.httpMaxHeaderBytes;
    this.maxHeaderCount = options.maxHeaderCount ?? LIMITS.httpMaxHeaderCount;
    this.maxBodySize = options.maxBodySize ?? LIMITS.httpMaxBodySize;
    this.maxChunkLineLength = options.maxChunkLineLength ?? LIMITS.httpMaxChunkLineLength;
    this.pending = options.pending ?? UNBOUNDED_PENDING_BYTES;
    this.onHead = options.onHead;
    this.maxTextBytes = this.maxUriLength + 64 + this.maxHeaderBytes;
  }

  /** Counts `n` more bytes of the request being assembled (throws the account's refusal). */
  private count(n: number): void {
    this.pending.hold(n);
    this.counted += n;
  }

  /** The request was handed on (or the parser stopped): its bytes are no longer ours. */
  private uncount(): void {
    this.pending.release(this.counted);
    this.counted = 0;
  }

  /** Gives back everything counted (the connection is closing). */
  release(): void {
    this.uncount();
    this.lineParts = [];
    this.chunks = [];
    this.bodyParts = [];
  }

  /** The error that stopped this parser, if any. */
  get error(): ProtocolError | undefined {
    return this.failure;
  }

  /** True between requests (no partial request buffered): the server's idle vs header timeout. */
  get idle(): boolean {
    return this.state === 'request-line' && this.lineLength === 0 && this.emptyLines === 0;
  }

  /** True once a request asked to close the connection (or an error stopped parsing). */
  get closed(): boolean {
    return this.state === 'closed' || this.failure !== undefined;
  }

  /** Feeds bytes; returns the requests they complete. See the class comment for errors. */
  push(chunk: Uint8Array): HttpRequest[] {
    if (this.failure) throw this.failure;
    const out: HttpRequest[] = [];
    try {
      this.consume(chunk, out);
    } catch (err) {
      this.textChunk = undefined;
      if (!(err instanceof ProtocolError)) throw err;
      this.failure = err;
      if (out.length === 0) throw err;
    }
    this.textChunk = undefined;
    this.text = '';
    return out;
  }

  private consume(chunk: Uint8Array, out: HttpRequest[]): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case 'closed':
          return;
        case 'request-line': {
          const limit = this.maxUriLength + 64; // method, spaces and version around the target
          const text = this.takeLine(chunk, pos, limit, 'request-line');
          pos = this.lineNext;
          if (text === undefined) break;
          if (text === '') {
            if (++this.emptyLines > MAX_LEADING_EMPTY_LINES) {
              throw new ProtocolError('HTTP_BAD_REQUEST_LINE', 'Too many empty lines before the request line');
            }
            break;
          }
          this.headBytes = this.lineTotal;
          this.parseRequestLine(text);
          this.state = 'headers';
          break;
        }
        case 'headers':
        case 'trailers': {
          const limit = this.maxHeaderBytes - this.headBytes;
          const text = this.takeLine(chunk, pos, limit, 'field');
          pos = this.lineNext;
          if (text === undefined) break;
          this.headBytes += this.lineTotal;
          if (text !== '') {
            this.parseField(text);
          } else if (this.state === 'headers') {
            this.startBody(out);
          } else {
            this.finishMessage(out);
          }
          break;
        }
        case 'body': {
          const n = Math.min(chunk.length - pos, this.bodyLength - this.bodyFilled);
          this.count(n);
          this.bodyParts.push(chunk.slice(pos, pos + n));
          this.bodyFilled += n;
          pos += n;
          if (this.bodyFilled === this.bodyLength) this.finishMessage(out);
          break;
        }
        case 'chunk-size': {
          const text = this.takeLine(chunk, pos, this.maxChunkLineLength, 'chunk-size');
          pos = this.lineNext;
          if (text !== undefined) this.parseChunkSize(text);
          break;
        }
        case 'chunk-data': {
          const n = Math.min(chunk.length - pos, this.chunkRemaining);
          this.count(n);
          this.chunks.push(chunk.slice(pos, pos + n));
          this.chunkRemaining -= n;
          pos += n;
          if (this.chunkRemaining === 0) this.state = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          const text = this.takeLine(chunk, pos, 2, 'chunk-end');
          pos = this.lineNext;
          if (text === undefined) break;
          if (text !== '') throw new ProtocolError('HTTP_BAD_CHUNK', 'Chunk data not followed by CRLF');
          this.state = 'chunk-size';
          break;
        }
      }
    }
  }

  /** The refusal of a `kind` line of `n` bytes over `limit`. */
  private tooLong(kind: LineKind, n: number, limit: number): ProtocolError {
    switch (kind) {
      case 'request-line':
        return new ProtocolError('HTTP_URI_TOO_LONG', `Request line too long: ${n} > limit ${limit}`);
      case 'field':
        return new ProtocolError('HTTP_HEADERS_TOO_LONG', `Headers section too long: ${this.headBytes + n} > limit ${this.maxHeaderBytes}`);
      case 'chunk-size':
        return new ProtocolError('HTTP_BAD_CHUNK', `Chunk size line too long: ${n} > limit ${limit}`);
      case 'chunk-end':
        return new ProtocolError('HTTP_BAD_CHUNK', 'Chunk data not followed by CRLF');
    }
  }

  /**
   * Takes bytes up to and including the next LF from `chunk` at `pos`. Returns the line (latin1,
   * without CR LF) once complete, or undefined when the chunk ended first; `lineNext` is where
   * reading goes on and `lineTotal` counts the line with its terminator (fields, not a result
   * object: this runs for every line of every request). A line over `limit` bytes raises the
   * `kind`'s refusal; a line that does not end in CRLF raises the `kind`'s bare-LF code.
   */
  private takeLine(chunk: Uint8Array, pos: number, limit: number, kind: LineKind): string | undefined {
    const lf = this.indexOfLf(chunk, pos);
    const end = lf === -1 ? chunk.length : lf + 1;
    const total = this.lineLength + (end - pos);
    if (total > limit) throw this.tooLong(kind, total, limit);
    this.lineNext = end;
    this.lineTotal = total;
    if (lf === -1) {
      this.count(end - pos);
      this.lineParts.push(chunk.slice(pos, end));
      this.lineLength = total;
      return undefined;
    }
    let bytes = chunk;
    let from = pos;
    let to = end;
    if (this.lineParts.length > 0) {
      this.lineParts.push(chunk.subarray(pos, end));
      bytes = Buffer.concat(this.lineParts, total);
      from = 0;
      to = total;
      this.lineParts = [];
    }
    this.lineLength = 0;
    // Lines end in CRLF. RFC 9112 §2.2 lets a recipient accept a bare LF, but two parsers that
    // split the same bytes differently are a request-smuggling vector behind a proxy: a bare LF is
    // refused like a CR without LF (which the field and request-line checks refuse).
    if (to - from < 2 || bytes[to - 2] !== 0x0d) {
      throw new ProtocolError(BARE_LF_CODE[kind], 'Line ends in a bare LF (CRLF required)');
    }
    return bytes === chunk && kind !== 'chunk-size' ? this.textOf(chunk, from, to - 2) : latin1(bytes, from, to - 2);
  }

  /** The next LF in `chunk` from `pos`: in the head's string when `pos` is in it (no call into the Buffer). */
  private indexOfLf(chunk: Uint8Array, pos: number): number {
    if (chunk !== this.textChunk || pos < this.textStart || pos >= this.textEnd) return chunk.indexOf(0x0a, pos);
    const lf = this.text.indexOf('\n', pos - this.textStart);
    return lf !== -1 ? lf + this.textStart : chunk.indexOf(0x0a, this.textEnd);
  }

  /**
   * Bytes `from`..`to` of a head line in `chunk` as latin1: sliced from one string of the whole
   * head (up to its empty line, or the rest of the chunk within the head's bounds), converted when
   * the first of its lines is read. One conversion per head instead of one per line (and LFs found
   * in that string): with keepsAlive's fast path, 15.3 → 9.6 µs per browser request (medians of 6,
   * `node --import tsx bench/http-request-cost.ts`, alternating, load 5.5).
   */
  private textOf(chunk: Uint8Array, from: number, to: number): string {
    if (chunk !== this.textChunk || from < this.textStart || to > this.textEnd) {
      const headEnd = asBuffer(chunk).indexOf(HEAD_END, from);
      const bound = Math.min(chunk.length, from + this.maxTextBytes);
      const end = headEnd === -1 || headEnd + 4 > bound ? bound : headEnd + 4;
      this.text = latin1(chunk, from, Math.max(end, to));
      this.textChunk = chunk;
      this.textStart = from;
      this.textEnd = Math.max(end, to);
    }
    return this.text.slice(from - this.textStart, to - this.textStart);
  }

  private parseRequestLine(text: string): void {
    // A line no longer than the target limit cannot break it, so the memo's parse needs no limit.
    const short = text.length <= MEMO_LINE_LENGTH && text.length <= this.maxUriLength;
    this.requestLine = short ? REQUEST_LINES.get(text) : parseRequestLine(text, this.maxUriLength);
  }

  private parseField(text: string): void {
    const inTrailers = this.state === 'trailers';
    const count = inTrailers ? ++this.trailerCount : this.headers.length + 1;
    if (count > this.maxHeaderCount) {
      throw new ProtocolError('HTTP_TOO_MANY_HEADERS', `Too many header fields: ${count} > limit ${this.maxHeaderCount}`);
    }
    const colon = text.indexOf(':');
    const name = colon <= 0 ? '' : text.slice(0, colon);
    // No whitespace before the colon and no obs-fold (RFC 9112 §5.1, §5.2): both are refused.
    if (colon <= 0 || !TOKEN.test(name)) {
      throw new ProtocolError('HTTP_BAD_HEADER', 'Header line is not "name: value"');
    }
    let from = colon + 1;
    let to = text.length;
    while (from < to && isBlank(text.charCodeAt(from))) from++;
    while (to > from && isBlank(text.charCodeAt(to - 1))) to--;
    const value = text.slice(from, to);
    // field-value: VCHAR, obs-text, SP, HTAB; any other control byte (CR, NUL, ...) is refused.
    if (/[\0-\x08\x0a-\x1f\x7f]/.test(value)) {
      throw new ProtocolError('HTTP_BAD_HEADER', 'Control character in header value');
    }
    if (inTrailers) return;
    this.headers.push({ name, value });
    // Only names of these lengths can be a field that framing or keep-alive reads: one compare for the rest.
    const length = name.length;
    if (length !== 4 && length !== 10 && length !== 14 && length !== 17) return;
    if (isFieldName(name, 'host')) this.hostCount++;
    else if (isFieldName(name, 'connection')) this.connections.push(value);
    else if (isFieldName(name, 'content-length')) this.contentLengths.push(value);
    else if (isFieldName(name, 'transfer-encoding')) this.transferEncodings.push(value);
  }

  private startBody(out: HttpRequest[]): void {
    const line = this.requestLine!;
    this.onHead?.(line.method, line.target);
    const hosts = this.hostCount;
    if (line.version === '1.1' ? hosts !== 1 : hosts > 1) {
      throw new ProtocolError('HTTP_BAD_HOST', `HTTP/${line.version} request with ${hosts} Host fields`);
    }
    const te = this.transferEncodings;
    const cl = this.contentLengths;
    if (te.length > 0) {
      // RFC 9112 §6.1: TE in HTTP/1.0 means faulty framing; TE with CL is a smuggling vector, refused.
      if (line.version === '1.0') throw new ProtocolError('HTTP_BAD_CONTENT_LENGTH', 'Transfer-Encoding in HTTP/1.0');
      if (cl.length > 0) throw new ProtocolError('HTTP_BAD_CONTENT_LENGTH', 'Both Transfer-Encoding and Content-Length');
      const codings = te
        .flatMap((value) => value.split(','))
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== '');
      if (codings.length !== 1 || codings[0] !== 'chunked') {
        throw new ProtocolError('HTTP_UNSUPPORTED_TRANSFER_ENCODING', `Transfer-Encoding "${codings.join(', ')}" not supported`);
      }
      this.chunks = [];
      this.chunkedTotal = 0;
      this.state = 'chunk-size';
      return;
    }
    let length = 0;
    if (cl.length > 0) {
      // Several identical values (or a list of them) are allowed, RFC 9110 §8.6.
      const values = new Set(cl.flatMap((value) => value.split(',')).map((s) => s.trim()));
      if (values.size !== 1) throw new ProtocolError('HTTP_BAD_CONTENT_LENGTH', 'Conflicting Content-Length values');
      const [text] = values as unknown as [string];
      if (!/^\d{1,15}$/.test(text)) throw new ProtocolError('HTTP_BAD_CONTENT_LENGTH', 'Content-Length is not a number');
      length = Number(text);
      if (length > this.maxBodySize) {
        throw new ProtocolError('HTTP_BODY_TOO_LARGE', `Body too large: ${length} > limit ${this.maxBodySize}`);
      }
    }
    this.bodyLength = length;
    this.bodyParts = [];
    this.bodyFilled = 0;
    if (length === 0) this.finishMessage(out);
    else this.state = 'body';
  }

  private parseChunkSize(text: string): void {
    // chunk-size [ chunk-ext ]; extensions are ignored (RFC 9112 §7.1.1).
    const m = /^([0-9A-Fa-f]{1,8})[ \t]*(;.*)?$/.exec(text);
    if (!m) throw new ProtocolError('HTTP_BAD_CHUNK', 'Chunk size is not hexadecimal');
    const size = parseInt(m[1]!, 16);
    const total = this.chunkedTotal + size;
    if (total > this.maxBodySize) {
      throw new ProtocolError('HTTP_BODY_TOO_LARGE', `Body too large: ${total} > limit ${this.maxBodySize}`);
    }
    this.chunkedTotal = total;
    if (size === 0) {
      this.trailerCount = 0;
      this.state = 'trailers';
    } else {
      this.chunkRemaining = size;
      this.state = 'chunk-data';
    }
  }

  private finishMessage(out: HttpRequest[]): void {
    const line = this.requestLine!;
    const chunked = this.state === 'trailers';
    const parts = chunked ? this.chunks : this.bodyParts;
    const size = chunked ? this.chunkedTotal : this.bodyLength;
    const body = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : new Uint8Array(Buffer.concat(parts, size));
    const { path, segments, query } = line.where;
    const keepAlive = keepsAlive(line.version, this.connections);
    const { method, target, version } = line;
    out.push({ method, target, version, path, segments, query, headers: this.headers, keepAlive, chunked, body });
    this.requestLine = undefined;
    this.headers = [];
    this.hostCount = 0;
    // Fresh lists only where this request used them (most use none but Connection's).
    if (this.transferEncodings.length > 0) this.transferEncodings = [];
    if (this.contentLengths.length > 0) this.contentLengths = [];
    if (this.connections.length > 0) this.connections = [];
    if (this.chunks.length > 0) this.chunks = [];
    if (this.bodyParts.length > 0) this.bodyParts = [];
    this.bodyLength = 0;
    this.uncount();
    this.emptyLines = 0;
    this.headBytes = 0;
    this.state = keepAlive ? 'request-line' : 'closed';
  }
}
