import { createHash } from 'node:crypto';
import { RtmpAuthError } from './rtmp-auth-error.js';
import { constantTimeEqual } from './rtmp-auth-compare.js';

/** Clients copy the `_error` description into a 256-byte buffer (FFmpeg `tmpstr[256]`, §3.3). */
export const ADOBE_DESCRIPTION_MAX_BYTES = 255;

/**
 * Step 1 (AUTH-SPEC §3.1): the bare connect is rejected with this description. Byte-exact
 * crtmpserver string; the space right after `authmod=adobe` matters (FFmpeg reads the authmod
 * value up to a space).
 */
export const ADOBE_NEED_AUTH_DESCRIPTION = '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ';

/** The values the server hands out in step 2, exactly as they go on the wire. */
export interface AdobeChallengeValues {
  user: string;
  salt: string;
  challenge: string;
  opaque: string;
}

/**
 * Step 2 description (§3.1): `?reason=needauth&user=U&salt=S&challenge=C&opaque=O`, in this
 * order with opaque last (older GStreamer's regex needs it), never containing `code=403 need auth`.
 * Throws {@link RtmpAuthError} `auth_description_too_long` past 255 bytes.
 */
export function adobeChallengeDescription(v: AdobeChallengeValues): string {
  return boundedDescription(
    `[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=${v.user}&salt=${v.salt}&challenge=${v.challenge}&opaque=${v.opaque}`,
  );
}

/** Wrong password / failed check (§3.1). crtmpserver sends `opaque=vgoAAA==`; any value works. */
export function adobeAuthFailedDescription(opaque = 'vgoAAA=='): string {
  return boundedDescription(`[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed&opaque=${opaque}`);
}

/**
 * Unknown user (§3.1, optional). Prefer {@link adobeAuthFailedDescription} for both cases so a
 * client cannot enumerate users; this exists for completeness and tests.
 */
export function adobeNoSuchUserDescription(opaque = 'vgoAAA=='): string {
  return boundedDescription(`[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=nosuchuser&opaque=${opaque}`);
}

/** `hash1 = base64(md5(user + salt + password))` (§3.4); password hashed as UTF-8. */
export function adobeHash1(user: string, salt: string, password: string): string {
  return createHash('md5').update(user + salt + password, 'utf8').digest('base64');
}

/**
 * Which X a client hashed (§3.4): `standard` = opaque if non-empty, else challenge (FFmpeg, OBS,
 * GStreamer rtmp2, crtmpserver); `librtmp` = opaque + challenge (upstream librtmp 2.4).
 */
export type AdobeResponseForm = 'standard' | 'librtmp';

/** Inputs of the response maths, every string exactly as on the wire (password: UTF-8). */
export interface AdobeResponseInput {
  user: string;
  password: string;
  salt: string;
  /** The server's challenge from step 2. */
  challenge: string;
  /** The server's opaque from step 2 ('' when none was sent). */
  opaque: string;
  /** The client's own challenge C2 (sent back as `challenge=` in step 3). */
  clientChallenge: string;
}

/** `response = base64(md5(hash1 + X + C2))` for the given form (§3.4). */
export function adobeResponse(input: AdobeResponseInput, form: AdobeResponseForm = 'standard'): string {
  const hash1 = adobeHash1(input.user, input.salt, input.password);
  const x =
    form === 'librtmp' ? input.opaque + input.challenge : input.opaque !== '' ? input.opaque : input.challenge;
  return createHash('md5').update(hash1 + x + input.clientChallenge, 'utf8').digest('base64');
}

/**
 * True when `response` matches either form (§3.4 "accept both"). Both comparisons always run and
 * are constant-time, so timing tells nothing about which form or how much matched.
 */
export function verifyAdobeResponse(input: AdobeResponseInput & { response: string }): boolean {
  const standard = constantTimeEqual(input.response, adobeResponse(input, 'standard'));
  const librtmp = constantTimeEqual(input.response, adobeResponse(input, 'librtmp'));
  return standard || librtmp;
}

/**
 * Returns `description` unchanged when it fits the 255 bytes clients copy (§3.3), else throws
 * {@link RtmpAuthError} `auth_description_too_long` naming both numbers.
 */
export function boundedDescription(description: string): string {
  const bytes = Buffer.byteLength(description, 'utf8');
  if (bytes > ADOBE_DESCRIPTION_MAX_BYTES) {
    throw new RtmpAuthError(
      'auth_description_too_long',
      `challenge description too long: ${bytes} > limit ${ADOBE_DESCRIPTION_MAX_BYTES} bytes`,
    );
  }
  return description;
}
