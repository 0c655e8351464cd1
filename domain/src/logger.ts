/**
 * The one structured logger of the ingest and the functions: one JSON object per line (stdout by
 * default), with child loggers that carry per-connection fields (connection id, remote address,
 * app, stream) and an optional context read at each line (a Lambda invocation's request id and
 * cold start). Errors keep their name, message, code, stack and cause chain. Never pass passwords
 * or tokens. No dependencies.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

/** Where formatted lines go; tests pass an array-backed sink. */
export type LogSink = (line: string) => void;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields`. */
  child(fields: LogFields): Logger;
}

/** Causes followed at most (a cycle or a deep chain stops here). */
export const LOG_MAX_CAUSE_DEPTH = 5;
/** Longest stack and message kept per error. */
export const LOG_MAX_STACK_CHARS = 4096;

/**
 * An error as a plain object for a log line: name, message, code, stack and, recursively up to
 * {@link LOG_MAX_CAUSE_DEPTH}, its cause (an error or any value). Other values pass unchanged.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  const out: LogFields = { name: err.name, message: err.message.slice(0, LOG_MAX_STACK_CHARS) };
  if (code !== undefined) out.code = code;
  if (err.stack !== undefined) out.stack = err.stack.slice(0, LOG_MAX_STACK_CHARS);
  if (err.cause !== undefined) out.cause = depth + 1 >= LOG_MAX_CAUSE_DEPTH ? '[cause chain cut]' : serializeError(err.cause, depth + 1);
  return out;
}

/**
 * The record as one JSON line. A field JSON cannot write (a cycle, a throwing getter) never makes
 * logging throw into the caller (a connection handler): the line keeps time, level and event and
 * says why its fields were left out. Big integers are written as strings.
 */
function formatRecord(record: LogFields): string {
  try {
    return JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch (err) {
    const { time, level, event } = record;
    return JSON.stringify({ time, level, event, logFieldsDropped: err instanceof Error ? err.message : String(err) });
  }
}

/** Options of {@link createLogger} beyond level and sink. */
export interface LoggerOptions {
  /** Fields every line carries. */
  base?: LogFields;
  /** Fields read at each line (e.g. the running Lambda invocation's `requestId` and `coldStart`). */
  context?: () => LogFields | undefined;
}

/** Creates a JSON-lines logger at `level` writing to `sink` (stdout by default). */
export function createLogger(level: LogLevel = 'info', sink: LogSink = (line) => process.stdout.write(`${line}\n`), options: LoggerOptions = {}): Logger {
  return new JsonLinesLogger(ORDER[level], sink, options.context, options.base ?? {});
}

/**
 * The logger createLogger makes. Its methods live on the prototype, so a child (one per connection)
 * is one object and its fields, not five closures and their scopes (docs/benchmark.md, Round 6).
 */
class JsonLinesLogger implements Logger {
  constructor(
    private readonly min: number,
    private readonly sink: LogSink,
    private readonly context: (() => LogFields | undefined) | undefined,
    private readonly base: LogFields,
  ) {}

  debug(event: string, fields?: LogFields): void {
    if (ORDER.debug >= this.min) this.emit('debug', event, fields);
  }

  info(event: string, fields?: LogFields): void {
    if (ORDER.info >= this.min) this.emit('info', event, fields);
  }

  warn(event: string, fields?: LogFields): void {
    if (ORDER.warn >= this.min) this.emit('warn', event, fields);
  }

  error(event: string, fields?: LogFields): void {
    if (ORDER.error >= this.min) this.emit('error', event, fields);
  }

  child(fields: LogFields): Logger {
    return new JsonLinesLogger(this.min, this.sink, this.context, { ...this.base, ...fields });
  }

  private emit(lvl: LogLevel, event: string, fields: LogFields | undefined): void {
    const record: LogFields = { time: new Date().toISOString(), level: lvl, event, ...this.context?.(), ...this.base };
    if (fields) for (const [k, v] of Object.entries(fields)) record[k] = serializeError(v);
    this.sink(formatRecord(record));
  }
}

/** A logger that drops everything (for tests that do not look at logs). */
export const silentLogger: Logger = createLogger('error', () => {});
