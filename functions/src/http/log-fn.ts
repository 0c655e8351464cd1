import { createLogger, type LogLevel } from '#domain/logger.js';
import { currentInvocation } from './with-request-id.js';

/** A structured logger: one JSON object per event. Never pass passwords or tokens. */
export type LogFn = (event: Record<string, unknown>) => void;

const LEVELS: readonly unknown[] = ['debug', 'info', 'warn', 'error'] satisfies LogLevel[];

/**
 * The functions' events written by the shared JSON-lines logger (domain/src/logger.ts) on stdout
 * (CloudWatch-friendly): `event` is the event's `route`, `level` its `level` (default info), and
 * inside a Lambda invocation every line carries its `requestId` and `coldStart` (see withRequestId).
 */
export function jsonLineLogTo(sink?: (line: string) => void): LogFn {
  const logger = createLogger('debug', sink, { context: currentInvocation });
  return ({ level, ...fields }) => {
    const lvl = (LEVELS.includes(level) ? level : 'info') as LogLevel;
    logger[lvl](typeof fields.route === 'string' ? fields.route : 'functions', fields);
  };
}

/** {@link jsonLineLogTo} stdout. */
export const jsonLineLog: LogFn = jsonLineLogTo();
