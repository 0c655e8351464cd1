import { randomBytes } from 'node:crypto';
import { LIMITS } from '../limits.js';
import { ProtocolError } from '../protocol-error.js';
import { RtmptSession } from './rtmpt-session.js';

/**
 * The coded errors of the tunnel and the HTTP status each is answered with. Unknown sessions get
 * 404 like crtmpserver and Red5, so the client gives up instead of retrying.
 */
export const RTMPT_ERROR_STATUS = {
  RTMPT_NOT_FOUND: 404,
  RTMPT_METHOD_NOT_ALLOWED: 405,
  RTMPT_BAD_PATH: 400,
  RTMPT_UNKNOWN_SESSION: 404,
  RTMPT_BAD_SEQUENCE: 400,
  RTMPT_TOO_MANY_SESSIONS: 503,
  RTMPT_TOO_MANY_FROM_ADDRESS: 503,
  RTMPT_OUTPUT_OVERFLOW: 503,
} as const;

/** HTTP status for an RTMPT error code (400 for codes of other layers). */
export function rtmptErrorStatus(code: string): number {
  return (RTMPT_ERROR_STATUS as Record<string, number>)[code] ?? 400;
}

/** Header fields of every RTMPT answer (what Flash Player and ffmpeg expect). */
export const RTMPT_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/x-fcs',
  'Cache-Control': 'no-cache',
  Connection: 'Keep-Alive',
};

/** What a tunnel request means; the server acts on it (see RtmptTunnel.route). */
export type RtmptRoute =
  /** `/fcs/ident2`: Flash Player's proxy probe; answer `status` with `body`. */
  | { readonly kind: 'ident'; readonly status: number; readonly body: Uint8Array }
  /** `/open/1`: a new session; answer 200 with `body` (the id and LF), start an RTMP session. */
  | { readonly kind: 'open'; readonly session: RtmptSession; readonly body: Uint8Array }
  /** `/send/<id>/<seq>`: feed `data` to the session's RTMP session, then answer `session.reply()`. */
  | { readonly kind: 'send'; readonly session: RtmptSession; readonly data: Uint8Array }
  /** `/idle/<id>/<seq>`: answer `session.reply()`. */
  | { readonly kind: 'idle'; readonly session: RtmptSession }
  /** `/close/<id>/<seq>`: the session is gone; end its RTMP session, answer 200 with `body`. */
  | { readonly kind: 'close'; readonly session: RtmptSession; readonly body: Uint8Array };

/** Options of a tunnel (one per HTTP listener). */
export interface RtmptTunnelOptions {
  readonly maxSessions?: number;
  readonly maxPendingOutput?: number;
  readonly maxReplyBytes?: number;
  /** New session ids; must be unique, `[0-9A-Za-z]{1,63}` (ffmpeg keeps 63 chars). */
  readonly newId?: () => string;
}

const ID = /^[0-9A-Za-z]{1,63}$/;
const SEQ = /^\d{1,10}$/;
const ZERO = Uint8Array.of(0);

/** True when `path` (normalised) belongs to the tunnel rather than to HTTP-FLV or HLS. */
export function isRtmptPath(path: string): boolean {
  return /^\/(open|send|idle|close)(\/|$)/.test(path) || path === '/fcs/ident2' || path === '/fcs/ident';
}

/**
 * The RTMPT tunnel of one HTTP listener, sans-I/O: routes `/fcs/ident2`, `/open/1`,
 * `/send/<id>/<seq>`, `/idle/<id>/<seq>` and `/close/<id>/<seq>` POSTs to sessions, keeps the
 * session table bounded, and expires sessions whose client stopped polling (the caller passes the
 * clock). The RTMP bytes go to and come from an RTMP session the server keeps per tunnel session.
 */
export class RtmptTunnel {
  private readonly sessions = new Map<string, RtmptSession>();
  private readonly maxSessions: number;
  private readonly limits: { maxPendingOutput: number; maxReplyBytes: number };
  private readonly newId: () => string;

  constructor(options: RtmptTunnelOptions = {}) {
    this.maxSessions = options.maxSessions ?? LIMITS.rtmptMaxSessions;
    this.limits = {
      maxPendingOutput: options.maxPendingOutput ?? LIMITS.rtmptMaxPendingOutput,
      maxReplyBytes: options.maxReplyBytes ?? LIMITS.rtmptMaxReplyBytes,
    };
    this.newId = options.newId ?? (() => randomBytes(8).toString('hex'));
  }

  /** Open sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /** The open session `id`, if any. */
  session(id: string): RtmptSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * Routes one request (method, normalised path segments, body) at time `now` (ms). Throws a
   * ProtocolError with an RTMPT_* code (map with rtmptErrorStatus); a bad request never harms
   * other sessions.
   */
  route(method: string, segments: readonly string[], body: Uint8Array, now: number): RtmptRoute {
    const [command, id, seqText, ...extra] = segments;
    if (command === 'fcs' && (id === 'ident2' || id === 'ident') && seqText === undefined) {
      // Flash Player probes for an RTMPT-aware proxy here; a 404 tells it there is none and it
      // goes on with /open (what FMS without a proxy answers).
      return { kind: 'ident', status: 404, body: new Uint8Array(0) };
    }
    if (command !== 'open' && command !== 'send' && command !== 'idle' && command !== 'close') {
      throw new ProtocolError('RTMPT_NOT_FOUND', 'Not an RTMPT path');
    }
    if (method !== 'POST') throw new ProtocolError('RTMPT_METHOD_NOT_ALLOWED', `${method} on an RTMPT path`);
    if (command === 'open') {
      if (id === undefined || !SEQ.test(id) || seqText !== undefined) {
        throw new ProtocolError('RTMPT_BAD_PATH', 'Expected /open/<number>');
      }
      if (this.sessions.size >= this.maxSessions) {
        throw new ProtocolError('RTMPT_TOO_MANY_SESSIONS', `Too many RTMPT sessions: ${this.sessions.size + 1} > limit ${this.maxSessions}`);
      }
      const sessionId = this.newId();
      if (!ID.test(sessionId) || this.sessions.has(sessionId)) throw new Error(`newId gave an unusable id "${sessionId}"`);
      const session = new RtmptSession(sessionId, now, this.limits);
      this.sessions.set(sessionId, session);
      return { kind: 'open', session, body: new Uint8Array(Buffer.from(sessionId + '\n', 'latin1')) };
    }
    if (id === undefined || !ID.test(id) || seqText === undefined || !SEQ.test(seqText) || extra.length > 0) {
      throw new ProtocolError('RTMPT_BAD_PATH', `Expected /${command}/<id>/<sequence>`);
    }
    const session = this.sessions.get(id);
    if (session === undefined) throw new ProtocolError('RTMPT_UNKNOWN_SESSION', `No RTMPT session ${id}`);
    session.accept(Number(seqText), now);
    switch (command) {
      case 'send':
        return { kind: 'send', session, data: body };
      case 'idle':
        // The body is one padding byte (ffmpeg) or empty; it carries no RTMP data.
        return { kind: 'idle', session };
      case 'close':
        session.close();
        this.sessions.delete(id);
        return { kind: 'close', session, body: ZERO };
    }
  }

  /** Closes and returns the sessions not seen for `idleMs` before `now`: their clients are gone. */
  expire(now: number, idleMs: number): RtmptSession[] {
    const gone: RtmptSession[] = [];
    for (const [id, s] of this.sessions) {
      if (!s.isOpen || now - s.lastSeen >= idleMs) {
        s.close();
        this.sessions.delete(id);
        gone.push(s);
      }
    }
    return gone;
  }

  /** Forgets a session the server ended (its RTMP session closed or overflowed). */
  remove(id: string): void {
    this.sessions.get(id)?.close();
    this.sessions.delete(id);
  }
}
