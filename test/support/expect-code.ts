import { expect } from 'vitest';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';

/** The code of the ProtocolError `fn` throws, or undefined when it returns; other throws pass through. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return undefined;
}

/** Asserts `fn` throws a ProtocolError with `code`, and returns it. */
export function expectCode(fn: () => unknown, code: string): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(code);
    return err as ProtocolError;
  }
  throw new Error(`expected ProtocolError ${code}, nothing thrown`);
}
