import { ApiError } from './api-error.js';
import type { CliIo } from './cli-io.js';

/**
 * Wraps a command action so a failure prints one `error: CODE (field): message` line (and the
 * API's hint, if any) on stderr and sets exit code 1, instead of a stack trace.
 */
export function reportErrors(io: CliIo) {
  return <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await fn(...args);
      } catch (err) {
        if (err instanceof ApiError) io.err(`error: ${err.code}${err.field ? ` (${err.field})` : ''}: ${err.message}${err.hint ? `\n${err.hint}` : ''}`);
        else io.err(`error: ${(err as Error).message}`);
        process.exitCode = 1;
      }
    };
}
