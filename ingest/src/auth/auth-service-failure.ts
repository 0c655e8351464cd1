import type { AuthReason } from '#domain/auth-decision.js';
import { RtmpAuthError } from '#domain/rtmp-auth-error.js';
import { AuthServiceError } from './auth-service-error.js';

/** The fail-closed denial for a functions call that failed (timeout → `timeout`, else `service_unavailable`). */
export function authServiceFailure(err: unknown): { ok: false; reason: AuthReason; errorCode: string } {
  if (err instanceof AuthServiceError) {
    return { ok: false, reason: err.code === 'auth_timeout' ? 'timeout' : 'service_unavailable', errorCode: err.code };
  }
  return { ok: false, reason: 'service_unavailable', errorCode: 'internal' };
}

/** The code logged for a refused carrier: the RtmpAuthError's code, else `internal`. */
export function authErrorCode(err: unknown): string {
  return err instanceof RtmpAuthError ? err.code : 'internal';
}

/** The name part for logs when the query itself was refused. */
export function nameBeforeQuery(value: string): string {
  const at = value.indexOf('?');
  return (at < 0 ? value : value.slice(0, at)).slice(0, 256);
}
