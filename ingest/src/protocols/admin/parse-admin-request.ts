import { LIMITS } from '../limits.js';
import { ProtocolError, type ProtocolErrorCode } from '../protocol-error.js';

/** The commands of the admin line protocol (crtmpserver inboundJsonCli names). */
export type AdminCommand =
  | { readonly name: 'help' }
  | { readonly name: 'version' }
  | { readonly name: 'listStreams' }
  | { readonly name: 'listConnections' }
  | { readonly name: 'listRelays' }
  | { readonly name: 'streamInfo'; readonly stream: string }
  | { readonly name: 'kick'; readonly connectionId: string }
  | { readonly name: 'dropStream'; readonly stream: string }
  | { readonly name: 'shutdown' };

/** One parsed request line. */
export interface AdminRequest {
  readonly command: AdminCommand;
  /** Echoed in the answer so a client can match answers to requests. */
  readonly id?: string | number;
  /** Compared with the configured token when the listener is not on loopback. */
  readonly token?: string;
}

/** Argument each command needs, and a one-line description (the `help` answer). */
export const ADMIN_COMMANDS: Readonly<Record<AdminCommand['name'], { readonly args: readonly string[]; readonly description: string }>> = {
  help: { args: [], description: 'List the commands' },
  version: { args: [], description: 'Server name and version' },
  listStreams: { args: [], description: 'Live streams with publisher and reader counts' },
  listConnections: { args: [], description: 'Open connections of every protocol' },
  listRelays: { args: [], description: 'Push targets and pull sources with state, bytes, uptime and last error' },
  streamInfo: { args: ['stream'], description: 'Details of one stream (app/stream)' },
  kick: { args: ['connectionId'], description: 'Close one connection' },
  dropStream: { args: ['stream'], description: 'Disconnect the publisher and readers of a stream' },
  shutdown: { args: [], description: 'Stop accepting and drain, then exit' },
};

const NAMES = new Map(Object.keys(ADMIN_COMMANDS).map((n) => [n.toLowerCase(), n as AdminCommand['name']]));
const MAX_ID_LENGTH = 128;
const MAX_TOKEN_LENGTH = 1024;

function bad(code: ProtocolErrorCode, message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

function stringArg(fields: Record<string, unknown>, key: string, maxLength: number): string {
  const value = fields[key];
  if (typeof value !== 'string' || value === '') throw bad('ADMIN_BAD_ARGUMENT', `"${key}" must be a non-empty string`);
  if (value.length > maxLength) throw bad('ADMIN_BAD_ARGUMENT', `"${key}" too long: ${value.length} > limit ${maxLength}`);
  return value;
}

/** Plain-text form `kick connectionId=c7 token=x`, as typed into telnet. */
function textFields(line: string): Record<string, unknown> {
  const [command, ...words] = line.trim().split(/\s+/);
  const fields: Record<string, unknown> = { command };
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw bad('ADMIN_BAD_REQUEST', `Expected key=value, got "${word.slice(0, 64)}"`);
    fields[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return fields;
}

/**
 * Parses one admin request line: a JSON object `{"command":"kick","connectionId":"c7","id":1}` or
 * the text form `kick connectionId=c7`. Command names are case-insensitive. Throws ProtocolError
 * ADMIN_BAD_JSON, ADMIN_BAD_REQUEST (not an object, no command, bad id/token), ADMIN_UNKNOWN_COMMAND
 * or ADMIN_BAD_ARGUMENT (missing, empty or overlong argument; names bounded by
 * LIMITS.streamNameMaxLength). The line length itself is bounded by AdminLineFramer.
 */
export function parseAdminRequest(line: string): AdminRequest {
  let fields: Record<string, unknown>;
  if (line.trimStart().startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw bad('ADMIN_BAD_JSON', 'Line is not valid JSON', cause);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw bad('ADMIN_BAD_REQUEST', 'Request is not a JSON object');
    }
    fields = value as Record<string, unknown>;
  } else {
    fields = textFields(line);
  }
  if (typeof fields.command !== 'string') throw bad('ADMIN_BAD_REQUEST', '"command" must be a string');
  const name = NAMES.get(fields.command.toLowerCase());
  if (name === undefined) throw bad('ADMIN_UNKNOWN_COMMAND', `Unknown command "${fields.command.slice(0, 64)}"`);
  const { id, token } = fields;
  if (id !== undefined && !(typeof id === 'number' && Number.isFinite(id)) && !(typeof id === 'string' && id.length <= MAX_ID_LENGTH)) {
    throw bad('ADMIN_BAD_REQUEST', '"id" must be a finite number or a short string');
  }
  if (token !== undefined && !(typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH)) {
    throw bad('ADMIN_BAD_REQUEST', '"token" must be a short string');
  }
  let command: AdminCommand;
  switch (name) {
    case 'streamInfo':
    case 'dropStream':
      command = { name, stream: stringArg(fields, 'stream', LIMITS.streamNameMaxLength * 2 + 1) };
      break;
    case 'kick':
      command = { name, connectionId: stringArg(fields, 'connectionId', MAX_ID_LENGTH) };
      break;
    default:
      command = { name };
  }
  return {
    command,
    ...(id === undefined ? {} : { id: id as string | number }),
    ...(token === undefined ? {} : { token: token as string }),
  };
}

/** The canonical JSON line (without LF) of a request: what a client such as the CLI sends. */
export function encodeAdminRequest(request: AdminRequest): string {
  const { name, ...args } = request.command;
  return JSON.stringify({ command: name, ...args, id: request.id, token: request.token });
}
