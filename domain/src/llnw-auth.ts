import { createHash } from 'node:crypto';
import { boundedDescription } from './adobe-auth.js';
import { constantTimeEqual } from './rtmp-auth-compare.js';

/** Step 1 for `authmod=llnw` (AUTH-SPEC §4); same shape as Adobe's, space after the authmod. */
export const LLNW_NEED_AUTH_DESCRIPTION = '[ AccessManager.Reject ] : [ code=403 need auth; authmod=llnw ] : ';

/** The only nonce count FFmpeg and OBS send (§4). */
export const LLNW_NC = '00000001';

/** Step 2: `?reason=needauth&user=U&nonce=N` (§4). Throws past 255 bytes. */
export function llnwChallengeDescription(user: string, nonce: string): string {
  return boundedDescription(`[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=${user}&nonce=${nonce}`);
}

/** Failure: `?reason=authfailed` (OBS matches the prefix `?reason=authfail`). */
export const LLNW_AUTH_FAILED_DESCRIPTION = '[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=authfailed';

/** Inputs of the llnw digest; `app` is the connect app without its query. */
export interface LlnwResponseInput {
  user: string;
  password: string;
  nonce: string;
  cnonce: string;
  nc: string;
  app: string;
}

const md5hex = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** `HA1 = md5(user:live:password)` (realm is the literal `live`, §4). */
export function llnwHa1(user: string, password: string): string {
  return md5hex(`${user}:live:${password}`);
}

/** `HA2 = md5("publish:/" + app + ("/_definst_" if app has no "/"))` (§4). */
export function llnwHa2(app: string): string {
  return md5hex(`publish:/${app}${app.includes('/') ? '' : '/_definst_'}`);
}

/** `R = md5(HA1:N:nc:CN:auth:HA2)`, lowercase hex (§4). */
export function llnwResponse(input: LlnwResponseInput): string {
  return md5hex(`${llnwHa1(input.user, input.password)}:${input.nonce}:${input.nc}:${input.cnonce}:auth:${llnwHa2(input.app)}`);
}

/** Constant-time check of a client's llnw `response` (hex compared case-insensitively). */
export function verifyLlnwResponse(input: LlnwResponseInput & { response: string }): boolean {
  return constantTimeEqual(input.response.toLowerCase(), llnwResponse(input));
}
