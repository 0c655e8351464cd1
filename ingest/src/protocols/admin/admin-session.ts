import { timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../protocol-error.js';
import { AdminLineFramer } from './admin-line-framer.js';
import { ADMIN_COMMANDS, parseAdminRequest, type AdminRequest } from './parse-admin-request.js';

/** What the admin protocol needs from the server it controls (the server adapts its hub to it). */
export interface AdminServer {
  /** Live streams; each summary names at least the stream (`app/stream`). */
  listStreams(): readonly AdminStreamSummary[] | Promise<readonly AdminStreamSummary[]>;
  listConnections(): readonly AdminConnectionSummary[] | Promise<readonly AdminConnectionSummary[]>;
  /** Push targets and pull sources (URLs redacted). */
  listRelays?(): readonly unknown[] | Promise<readonly unknown[]>;
  /** Details of one stream, undefined when it is not live. */
  streamInfo(stream: string): AdminStreamSummary | undefined | Promise<AdminStreamSummary | undefined>;
  /** Closes a connection; false when there is none with that id. */
  kick(connectionId: string): boolean | Promise<boolean>;
  /** Disconnects a stream's publisher and readers; false when it is not live. */
  dropStream(stream: string): boolean | Promise<boolean>;
  /** Starts the graceful stop (drain); the answer is sent before the server goes away. */
  shutdown(): void | Promise<void>;
}

/** A stream as the admin protocol shows it: `stream` is required, the rest is up to the server. */
export interface AdminStreamSummary {
  readonly stream: string;
  readonly [field: string]: unknown;
}

/** A connection as the admin protocol shows it. */
export interface AdminConnectionSummary {
  readonly connectionId: string;
  readonly protocol: string;
  readonly [field: string]: unknown;
}

/** One answer line, crtmpserver style (`status` SUCCESS/FAIL, `description`, `data`). */
export interface AdminResponse {
  readonly status: 'SUCCESS' | 'FAIL';
  readonly description: string;
  readonly data?: unknown;
  /** Present on FAIL: the stable error code. */
  readonly code?: string;
  /** The request's `id`, echoed. */
  readonly id?: string | number;
}

/** Options of one admin connection. */
export interface AdminSessionOptions {
  readonly server: AdminServer;
  /** `name/version` reported by `version`. */
  readonly version: string;
  /**
   * The admin token. Destructive commands (kick, dropStream, shutdown) always need it: without a
   * token configured they are refused. Other commands need it too unless `openReads`.
   */
  readonly token?: string;
  /** Lists, info, version and help without the token (the listener is on loopback). */
  readonly openReads?: boolean;
  readonly maxLineLength?: number;
}

/** Commands that end someone's session or the server: token required even on loopback. */
const DESTRUCTIVE: ReadonlySet<string> = new Set(['kick', 'dropStream', 'shutdown']);

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * One admin connection, sans-I/O: `push()` takes the bytes a client sent and resolves to the answer
 * lines to write back (one JSON object and LF per request line, in order). Malformed lines get a
 * FAIL answer with a code and the session continues. The server pauses reading while a push is
 * pending (backpressure) and closes the socket after a `shutdown` answer if it wants.
 */
export class AdminSession {
  private readonly framer: AdminLineFramer;

  constructor(private readonly options: AdminSessionOptions) {
    this.framer = new AdminLineFramer(options.maxLineLength);
  }

  /** Feeds bytes; resolves to the answer lines (each ending in LF). Blank lines get no answer. */
  async push(chunk: Uint8Array): Promise<string[]> {
    const answers: string[] = [];
    for (const framed of this.framer.push(chunk)) {
      let response: AdminResponse;
      if (framed.kind === 'error') response = failure(framed.error);
      else if (framed.text.trim() === '') continue;
      else response = await this.answer(framed.text);
      answers.push(JSON.stringify(response) + '\n');
    }
    return answers;
  }

  /** Answers one request line. */
  async answer(line: string): Promise<AdminResponse> {
    let request: AdminRequest;
    try {
      request = parseAdminRequest(line);
    } catch (err) {
      if (err instanceof ProtocolError) return failure(err);
      throw err;
    }
    const id = request.id === undefined ? {} : { id: request.id };
    const { token } = this.options;
    const needsToken = DESTRUCTIVE.has(request.command.name) || this.options.openReads !== true;
    if (needsToken && (token === undefined || request.token === undefined || !sameToken(request.token, token))) {
      return { status: 'FAIL', code: 'ADMIN_UNAUTHORIZED', description: token === undefined ? 'No admin token configured' : 'Missing or wrong token', ...id };
    }
    try {
      return { ...(await this.run(request)), ...id };
    } catch (err) {
      // The server's own failure: report it, keep the session (the server logs the cause).
      const code = err instanceof ProtocolError ? err.code : 'ADMIN_INTERNAL';
      return { status: 'FAIL', code, description: err instanceof Error ? err.message : String(err), ...id };
    }
  }

  private async run({ command }: AdminRequest): Promise<AdminResponse> {
    const { server } = this.options;
    switch (command.name) {
      case 'help':
        return { status: 'SUCCESS', description: 'Commands', data: ADMIN_COMMANDS };
      case 'version':
        return { status: 'SUCCESS', description: 'Version', data: this.options.version };
      case 'listStreams':
        return { status: 'SUCCESS', description: 'Live streams', data: await server.listStreams() };
      case 'listConnections':
        return { status: 'SUCCESS', description: 'Connections', data: await server.listConnections() };
      case 'listRelays':
        return { status: 'SUCCESS', description: 'Relays', data: (await server.listRelays?.()) ?? [] };
      case 'streamInfo': {
        const info = await server.streamInfo(command.stream);
        return info === undefined
          ? { status: 'FAIL', code: 'ADMIN_NOT_FOUND', description: `Stream ${command.stream} is not live` }
          : { status: 'SUCCESS', description: 'Stream', data: info };
      }
      case 'kick':
        return (await server.kick(command.connectionId))
          ? { status: 'SUCCESS', description: `Connection ${command.connectionId} closed` }
          : { status: 'FAIL', code: 'ADMIN_NOT_FOUND', description: `No connection ${command.connectionId}` };
      case 'dropStream':
        return (await server.dropStream(command.stream))
          ? { status: 'SUCCESS', description: `Stream ${command.stream} dropped` }
          : { status: 'FAIL', code: 'ADMIN_NOT_FOUND', description: `Stream ${command.stream} is not live` };
      case 'shutdown':
        await server.shutdown();
        return { status: 'SUCCESS', description: 'Draining' };
    }
  }
}

function failure(error: ProtocolError): AdminResponse {
  return { status: 'FAIL', code: error.code, description: error.message };
}
