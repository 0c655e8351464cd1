import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ADOBE_NEED_AUTH_DESCRIPTION,
  adobeAuthFailedDescription,
  adobeChallengeDescription,
  adobeHash1,
  adobeNoSuchUserDescription,
  adobeResponse,
  verifyAdobeResponse,
} from '#domain/adobe-auth.js';
import { parseRtmpAuthQuery } from '#domain/rtmp-auth-query.js';
import { RtmpAuthError } from '#domain/rtmp-auth-error.js';

// A byte-identical copy of /work/shared/auth/adobe-vectors.json (AUTH-SPEC.md), loaded as is.
interface AdobeCase {
  name: string;
  user: string;
  password: string;
  password_utf8_hex: string;
  salt: string;
  challenge: string;
  opaque: string;
  client_challenge: string;
  hash1: string;
  x_used: string;
  client_style: string;
  expected_response: string;
  response_if_librtmp_formula: string;
  wire: Record<string, string>;
}
const vectors = JSON.parse(readFileSync(new URL('./adobe-vectors.json', import.meta.url), 'utf8')) as {
  adobe_cases: AdobeCase[];
};

const SHARED_VECTORS = '/work/shared/auth/adobe-vectors.json';

describe('Adobe authmod=adobe maths (AUTH-SPEC §3.4, adobe-vectors.json)', () => {
  it.skipIf(!existsSync(SHARED_VECTORS))('the vectors copy is byte-identical to the shared file', () => {
    expect(readFileSync(new URL('./adobe-vectors.json', import.meta.url))).toEqual(readFileSync(SHARED_VECTORS));
  });

  it.each(vectors.adobe_cases.map((c) => [c.name, c] as const))('%s: hash1 and response match the vector', (_n, c) => {
    expect(Buffer.from(c.password, 'utf8').toString('hex')).toBe(c.password_utf8_hex);
    expect(adobeHash1(c.user, c.salt, c.password)).toBe(c.hash1);
    const input = { ...c, clientChallenge: c.client_challenge };
    const form = c.client_style === 'librtmp' ? 'librtmp' : 'standard';
    expect(adobeResponse(input, form)).toBe(c.expected_response);
    expect(adobeResponse(input, 'librtmp')).toBe(c.response_if_librtmp_formula);
  });

  it.each(vectors.adobe_cases.map((c) => [c.name, c] as const))('%s: the server accepts the step-3 query it was sent', (_n, c) => {
    // Parse the client's final query the way the server must: no %-decoding, no '+' → space.
    const q = parseRtmpAuthQuery(c.wire.step3_client_app_query!);
    expect(q.authmod).toBe('adobe');
    expect(q.user).toBe(c.user);
    expect(q.challenge).toBe(c.client_challenge);
    expect(q.response).toBe(c.expected_response);
    expect(
      verifyAdobeResponse({ ...c, clientChallenge: q.challenge!, response: q.response! }),
    ).toBe(true);
  });

  it.each(vectors.adobe_cases.map((c) => [c.name, c] as const))('%s: a wrong password or another C2 is refused', (_n, c) => {
    const base = { ...c, clientChallenge: c.client_challenge, response: c.expected_response };
    expect(verifyAdobeResponse({ ...base, password: c.password + 'x' })).toBe(false);
    expect(verifyAdobeResponse({ ...base, clientChallenge: c.client_challenge + '0' })).toBe(false);
    expect(verifyAdobeResponse({ ...base, response: '' })).toBe(false);
  });

  it('accepts both the standard and the librtmp formula for the same challenge', () => {
    const c = vectors.adobe_cases[0]!;
    const input = { ...c, clientChallenge: c.client_challenge };
    expect(verifyAdobeResponse({ ...input, response: c.expected_response })).toBe(true);
    expect(verifyAdobeResponse({ ...input, response: c.response_if_librtmp_formula })).toBe(true);
  });
});

describe('Adobe wire strings (AUTH-SPEC §3.1, §3.3)', () => {
  it.each(vectors.adobe_cases.map((c) => [c.name, c] as const))('%s: step 1, step 2 and failure strings are byte-exact', (_n, c) => {
    expect(ADOBE_NEED_AUTH_DESCRIPTION).toBe(c.wire.step1_description);
    expect(adobeChallengeDescription(c)).toBe(c.wire.step2_description);
    expect(adobeAuthFailedDescription(c.opaque === '' ? undefined : c.opaque)).toBe(c.wire.fail_description);
  });

  it('step 1 is the crtmpserver string with a space right after authmod=adobe', () => {
    expect(ADOBE_NEED_AUTH_DESCRIPTION).toBe('[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ');
    expect(ADOBE_NEED_AUTH_DESCRIPTION).toContain('authmod=adobe ]');
    expect(ADOBE_NEED_AUTH_DESCRIPTION).toContain('code=403 need auth');
  });

  it('step 2 orders user, salt, challenge, opaque with opaque last and no need-auth marker', () => {
    const d = adobeChallengeDescription({ user: 'bob01', salt: 'S1', challenge: 'C1', opaque: 'O1' });
    expect(d).toBe('[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=bob01&salt=S1&challenge=C1&opaque=O1');
    const keys = d.slice(d.indexOf('?') + 1).split('&').map((kv) => kv.split('=')[0]);
    expect(keys).toEqual(['reason', 'user', 'salt', 'challenge', 'opaque']);
    expect(d.endsWith('&opaque=O1')).toBe(true);
    expect(d).not.toContain('code=403 need auth');
    // GStreamer rtmp2's regex (§3.3) must match the whole string and capture the query.
    const re = /\[ *AccessManager.Reject *\] *: *\[ *authmod=(.*?) *\] *: *(\?.*)$/;
    expect(d.match(re)?.slice(1)).toEqual(['adobe', '?reason=needauth&user=bob01&salt=S1&challenge=C1&opaque=O1']);
    // Older rtmp2sink: exact "&user=…&salt=…&challenge=…&opaque=…" with opaque last.
    expect(d).toMatch(/\?reason=needauth&user=[^&]+&salt=[^&]+&challenge=[^&]+&opaque=[^&]*$/);
  });

  it('failure descriptions never contain the step-1 marker', () => {
    expect(adobeAuthFailedDescription()).toBe('[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed&opaque=vgoAAA==');
    expect(adobeNoSuchUserDescription()).toBe('[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=nosuchuser&opaque=vgoAAA==');
    expect(adobeAuthFailedDescription()).not.toContain('code=403 need auth');
  });

  it('a description fits 255 bytes and one byte more is refused with a coded error', () => {
    // §3.3: with 32+8+8-char values the description is 142 bytes + the user → user ≤ 113 bytes.
    const values = { salt: 's'.repeat(32), challenge: 'c'.repeat(8), opaque: 'o'.repeat(8) };
    expect(Buffer.byteLength(adobeChallengeDescription({ user: '', ...values }))).toBe(142);
    const ok = adobeChallengeDescription({ user: 'u'.repeat(113), ...values });
    expect(Buffer.byteLength(ok)).toBe(255);
    let err: unknown;
    try {
      adobeChallengeDescription({ user: 'u'.repeat(114), ...values });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RtmpAuthError);
    expect((err as RtmpAuthError).code).toBe('auth_description_too_long');
  });
});
