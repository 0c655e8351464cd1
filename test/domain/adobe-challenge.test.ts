import { describe, expect, it } from 'vitest';
import {
  ADOBE_CHALLENGE_TTL_MS,
  adobeSalt,
  issueAdobeChallenge,
  issueLlnwNonce,
  openAdobeChallenge,
  openLlnwNonce,
  type ChallengeReplayCache,
} from '#domain/adobe-challenge.js';
import { adobeChallengeDescription, adobeResponse, verifyAdobeResponse } from '#domain/adobe-auth.js';
import { parseRtmpAuthQuery } from '#domain/rtmp-auth-query.js';
import { RtmpAuthError } from '#domain/rtmp-auth-error.js';

const key = 'k'.repeat(32);
const now = Date.UTC(2026, 10, 27, 12, 0, 0);
const random = new Uint8Array([1, 2, 3, 4, 250, 251, 252, 253]);

/** The smallest correct replay cache: a Set (the ingest's real one is bounded). */
function setCache(): ChallengeReplayCache {
  const used = new Set<string>();
  return { claim: (id) => (used.has(id) ? false : (used.add(id), true)) };
}

/** What a server does with a step-3 query, with the password it looked up. */
function serverVerifies(query: string, password: string, at: number, cache: ChallengeReplayCache): string {
  const q = parseRtmpAuthQuery(query);
  const opened = openAdobeChallenge({ key, user: q.user!, opaque: q.opaque ?? '', nowMs: at });
  if (!opened.ok) return opened.reason;
  if (!cache.claim(q.opaque!, opened.expiresAtMs, at)) return 'replayed';
  const ok = verifyAdobeResponse({
    user: q.user!,
    password,
    salt: adobeSalt(key, q.user!),
    challenge: opened.challenge,
    opaque: q.opaque!,
    clientChallenge: q.challenge!,
    response: q.response!,
  });
  return ok ? 'ok' : 'wrong_password';
}

/** What FFmpeg does with a step-2 description: split `&` and first `=`, hash, answer. */
function clientAnswers(description: string, user: string, password: string, c2: string, form: 'standard' | 'librtmp' = 'standard'): string {
  const q = new Map(description.slice(description.indexOf('?reason=') + 1).split('&').map((kv) => {
    const eq = kv.indexOf('=');
    return [kv.slice(0, eq), kv.slice(eq + 1)] as const;
  }));
  const response = adobeResponse(
    { user, password, salt: q.get('salt')!, challenge: q.get('challenge')!, opaque: q.get('opaque')!, clientChallenge: c2 },
    form,
  );
  return `?authmod=adobe&user=${user}&challenge=${c2}&response=${response}&opaque=${q.get('opaque')}`;
}

describe('stateless Adobe challenge (AUTH-SPEC §3.5.4)', () => {
  const issued = issueAdobeChallenge({ key, user: 'alice12', nowMs: now, random });
  const description = adobeChallengeDescription(issued);

  it('issues [A-Za-z0-9] values of 8–32 chars and a description within 255 bytes', () => {
    for (const v of [issued.salt, issued.challenge, issued.opaque]) expect(v).toMatch(/^[A-Za-z0-9]{8,32}$/);
    expect(issued.opaque).toHaveLength(32);
    expect(issued.expiresAtMs).toBe(now + ADOBE_CHALLENGE_TTL_MS);
    expect(Buffer.byteLength(adobeChallengeDescription({ ...issued, user: 'u'.repeat(64) }))).toBeLessThanOrEqual(255);
  });

  it('derives the salt from (key, user) so any task can recompute it', () => {
    expect(issued.salt).toBe(adobeSalt(key, 'alice12'));
    expect(adobeSalt(key, 'bob0001')).not.toBe(issued.salt);
    expect(adobeSalt('x'.repeat(32), 'alice12')).not.toBe(issued.salt);
  });

  it('a valid answer is accepted by a fresh server with no shared state', () => {
    const answer = clientAnswers(description, 'alice12', 's3cret-pass', '1a2b3c4d');
    expect(serverVerifies(answer, 's3cret-pass', now + 5_000, setCache())).toBe('ok');
  });

  it("librtmp's opaque+challenge answer is accepted too", () => {
    const answer = clientAnswers(description, 'alice12', 's3cret-pass', 'xiN7Mg==', 'librtmp');
    expect(serverVerifies(answer, 's3cret-pass', now + 5_000, setCache())).toBe('ok');
  });

  it('a wrong password is refused', () => {
    const answer = clientAnswers(description, 'alice12', 'guess-pass', '1a2b3c4d');
    expect(serverVerifies(answer, 's3cret-pass', now + 5_000, setCache())).toBe('wrong_password');
  });

  it('an answer after the expiry is refused as expired', () => {
    const answer = clientAnswers(description, 'alice12', 's3cret-pass', '1a2b3c4d');
    expect(serverVerifies(answer, 's3cret-pass', now + ADOBE_CHALLENGE_TTL_MS + 1_000, setCache())).toBe('expired');
  });

  it('a tampered opaque is refused (every single-character change)', () => {
    for (let i = 0; i < issued.opaque.length; i++) {
      const ch = issued.opaque[i] === 'A' ? 'B' : 'A';
      const opaque = issued.opaque.slice(0, i) + ch + issued.opaque.slice(i + 1);
      const r = openAdobeChallenge({ key, user: 'alice12', opaque, nowMs: now });
      expect(r.ok, `position ${i}`).toBe(false);
    }
  });

  it('an opaque moved forward in time by its holder is refused', () => {
    const later = (parseInt(issued.opaque.slice(0, 8), 16) + 3600).toString(16).padStart(8, '0');
    const r = openAdobeChallenge({ key, user: 'alice12', opaque: later + issued.opaque.slice(8), nowMs: now });
    expect(r).toEqual({ ok: false, reason: 'invalid' });
  });

  it("another user's opaque is refused", () => {
    expect(openAdobeChallenge({ key, user: 'mallory', opaque: issued.opaque, nowMs: now })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('an opaque sealed under another key is refused', () => {
    expect(openAdobeChallenge({ key: 'z'.repeat(32), user: 'alice12', opaque: issued.opaque, nowMs: now })).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each(['', 'vgoAAA==', 'x'.repeat(32), issued.opaque + 'A', issued.opaque.slice(1)])('a malformed opaque %j is refused', (opaque) => {
    expect(openAdobeChallenge({ key, user: 'alice12', opaque, nowMs: now })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a replayed answer is refused by the replay cache', () => {
    const cache = setCache();
    const answer = clientAnswers(description, 'alice12', 's3cret-pass', '1a2b3c4d');
    expect(serverVerifies(answer, 's3cret-pass', now + 1_000, cache)).toBe('ok');
    expect(serverVerifies(answer, 's3cret-pass', now + 2_000, cache)).toBe('replayed');
  });

  it('refuses to issue for a user that would break client parsing', () => {
    for (const user of ['', 'a&b', 'a b', 'a=b', 'u'.repeat(65)]) {
      expect(() => issueAdobeChallenge({ key, user, nowMs: now, random })).toThrow(RtmpAuthError);
    }
  });

  it('different randomness gives different challenges and opaques', () => {
    const other = issueAdobeChallenge({ key, user: 'alice12', nowMs: now, random: new Uint8Array(8).fill(9) });
    expect(other.challenge).not.toBe(issued.challenge);
    expect(other.opaque).not.toBe(issued.opaque);
  });
});

describe('stateless llnw nonce', () => {
  const { nonce } = issueLlnwNonce({ key, user: 'alice12', nowMs: now, random });

  it('opens for the same user before the expiry and not after', () => {
    expect(nonce).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(openLlnwNonce({ key, user: 'alice12', nonce, nowMs: now + 1 }).ok).toBe(true);
    expect(openLlnwNonce({ key, user: 'alice12', nonce, nowMs: now + 61_000 })).toEqual({ ok: false, reason: 'expired' });
    expect(openLlnwNonce({ key, user: 'bob0001', nonce, nowMs: now })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('an llnw nonce is not accepted as an Adobe opaque (purpose is sealed)', () => {
    expect(openAdobeChallenge({ key, user: 'alice12', opaque: nonce, nowMs: now })).toEqual({ ok: false, reason: 'invalid' });
  });
});
