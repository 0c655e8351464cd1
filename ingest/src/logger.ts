/**
 * Structured JSON logging: one line per event on stdout, with child loggers that carry
 * per-connection fields (connection id, remote address, app, stream). No dependencies.
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

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(code === undefined ? {} : { code }) };
}

/** Creates a JSON-lines logger at `level` writing to `sink` (stdout by default). */
export function createLogger(
  level: LogLevel = 'info',
  sink: LogSink = (line) => process.stdout.write(line + '\n'),
  base: LogFields = {},
): Logger {
  const min = ORDER[level];
  const emit = (lvl: LogLevel, event: string, fields?: LogFields): void => {
    if (ORDER[lvl] < min) return;
    const record: LogFields = { time: new Date().toISOString(), level: lvl, event, ...base };
    if (fields) {
      for (const [k, v] of Object.entries(fields)) record[k] = k === 'err' ? serializeError(v) : v;
    }
    sink(JSON.stringify(record));
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }),
  };
}

/** A logger that drops everything (for tests that do not look at logs). */
export const silentLogger: Logger = createLogger('error', () => {});
