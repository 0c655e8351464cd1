import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  LLNW_AUTH_FAILED_DESCRIPTION,
  LLNW_NC,
  LLNW_NEED_AUTH_DESCRIPTION,
  llnwChallengeDescription,
  llnwHa1,
  llnwHa2,
  llnwResponse,
  type LlnwResponseInput,
  verifyLlnwResponse,
} from '#domain/llnw-auth.js';
import { parseRtmpAuthQuery } from '#domain/rtmp-auth-query.js';

/** A vector: the digest's inputs and every intermediate value. */
interface LlnwCase extends LlnwResponseInput {
  ha1: string;
  ha2_input: string;
  ha2: string;
  expected_response: string;
  wire: Record<string, string>;
}
const vectors = JSON.parse(readFileSync(new URL('./adobe-vectors.json', import.meta.url), 'utf8')) as { llnw_cases: LlnwCase[] };

describe('llnw challenge (AUTH-SPEC §4, adobe-vectors.json)', () => {
  it.each(vectors.llnw_cases.map((c, i) => [i, c] as const))('case %i: HA1, HA2 and the response match the vector', (_i, c) => {
    expect(llnwHa1(c.user, c.password)).toBe(c.ha1);
    expect(c.ha2_input).toBe(`publish:/${c.app}/_definst_`);
    expect(llnwHa2(c.app)).toBe(c.ha2);
    expect(llnwResponse(c)).toBe(c.expected_response);
    expect(c.nc).toBe(LLNW_NC);
  });

  it.each(vectors.llnw_cases.map((c, i) => [i, c] as const))('case %i: wire strings are byte-exact and step 3 verifies', (_i, c) => {
    expect(LLNW_NEED_AUTH_DESCRIPTION).toBe(c.wire.step1_description);
    expect(llnwChallengeDescription(c.user, c.nonce)).toBe(c.wire.step2_description);
    expect(LLNW_AUTH_FAILED_DESCRIPTION).toBe(c.wire.fail_description);
    const q = parseRtmpAuthQuery(c.wire.step3_client_app_query!);
    expect(q).toEqual({ authmod: 'llnw', user: c.user, nonce: c.nonce, cnonce: c.cnonce, nc: c.nc, response: c.expected_response });
    const input = { user: q.user!, password: c.password, nonce: q.nonce!, cnonce: q.cnonce!, nc: q.nc!, app: c.app };
    expect(verifyLlnwResponse({ ...input, response: q.response! })).toBe(true);
    expect(verifyLlnwResponse({ ...input, response: q.response!.toUpperCase() })).toBe(true);
    expect(verifyLlnwResponse({ ...input, password: 'wrong-pass', response: q.response! })).toBe(false);
    expect(verifyLlnwResponse({ ...input, app: 'other', response: q.response! })).toBe(false);
  });

  it('an app with an instance ("live/inst1") is hashed without the _definst_ suffix', () => {
    expect(llnwHa2('live/inst1')).toBe(llnwHa2WithInput('publish:/live/inst1'));
    expect(llnwHa2('live')).toBe(llnwHa2WithInput('publish:/live/_definst_'));
  });

  it('the failure string starts with the prefix OBS matches', () => {
    expect(LLNW_AUTH_FAILED_DESCRIPTION).toContain('?reason=authfail');
    expect(LLNW_NEED_AUTH_DESCRIPTION).toContain('authmod=llnw ]');
  });
});

function llnwHa2WithInput(input: string): string {
  return createHash('md5').update(input).digest('hex');
}
