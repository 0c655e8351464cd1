import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teaEncrypt } from '#domain/tea.js';
import type { AuthEvent } from '#ingest/auth/authorizer.js';
import { createAuthorizer } from '#ingest/auth/create-authorizer.js';
import { TOKEN_FAILURES_PER_MINUTE } from '#functions/build-functions-deps.js';
import { startLocalStackForTest, type LocalStackForTest } from '../support/local-stack-harness.js';

// Every encoder reaches /token through the ingest's one source address. The functions' per-source
// throttle must not count the ingest's lookups (it throttles per encoder address itself), but must
// keep throttling other callers of /token (a foreign Wowza server).

let s: LocalStackForTest;
beforeAll(async () => {
  s = await startLocalStackForTest({ env: { STREAMGATE_AUTH: 'off' }, users: [{ name: 'alice12', password: 's3cret-pass', publish: ['cam1'] }] });
});
afterAll(() => s?.close());

const lookup = async (user: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${s.functions.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: `clientid=${teaEncrypt(user, s.functions.teaSecret)}`,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { publisherToken?: string; error?: string };
};

describe('/token failure throttle and the ingest', () => {
  it('lets correct logins through the ingest after many unknown-user attempts from many encoders', async () => {
    const events: AuthEvent[] = [];
    const authorizer = createAuthorizer(
      { functionsUrl: s.functions.url, teaSecret: s.functions.teaSecret, serviceToken: s.functions.serviceToken, failureDelayMs: 0 },
      { log: (e) => events.push(e) },
    );
    const attempt = (user: string, password: string, ip: string) =>
      authorizer.authorize({ action: 'publish', protocol: 'rtmp', app: 'live', stream: 'cam1', ip, credentials: { kind: 'password', user, password, source: 'app-query' } });
    // 3× the functions' per-source limit, each from its own encoder address (the ingest's throttle is per encoder).
    for (let i = 0; i < 3 * TOKEN_FAILURES_PER_MINUTE; i++) {
      expect((await attempt(`guess${i}x`, 'nope-nope', `192.0.2.${i + 1}`)).reason).toBe('bad_credentials');
    }
    const ok = await attempt('alice12', 's3cret-pass', '198.51.100.7');
    expect(ok).toMatchObject({ allowed: true, user: 'alice12' });
    expect(s.functionsLogs.filter((l) => l.route === 'token' && l.reason === 'throttled')).toEqual([]);
    expect(s.functionsLogs.filter((l) => l.route === 'token' && l.caller === 'ingest').length).toBeGreaterThan(3 * TOKEN_FAILURES_PER_MINUTE);
  });

  it('still throttles a caller without the service bearer (a foreign Wowza) after too many failures', async () => {
    expect(await lookup('alice12')).toHaveProperty('publisherToken');
    for (let i = 0; i < TOKEN_FAILURES_PER_MINUTE; i++) expect(await lookup(`wowza${i}x`)).toEqual({ error: 'Invalid Client' });
    expect(await lookup('alice12')).toEqual({ error: 'Invalid Client' });
    expect(s.functionsLogs.at(-1)).toMatchObject({ route: 'token', reason: 'throttled' });
  });

  it('treats a wrong bearer as a stranger and keeps answering the ingest while the source is throttled', async () => {
    // The loopback source is throttled by the previous test.
    expect(await lookup('alice12', { authorization: 'Bearer not-the-service-token' })).toEqual({ error: 'Invalid Client' });
    expect(await lookup('alice12', { authorization: `Bearer ${s.functions.serviceToken}` })).toHaveProperty('publisherToken');
  });
});
