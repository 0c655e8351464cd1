import { describe, expect, it } from 'vitest';
import { ADOBE_NEED_AUTH_DESCRIPTION, adobeAuthFailedDescription } from '#domain/adobe-auth.js';
import { LLNW_AUTH_FAILED_DESCRIPTION, LLNW_NEED_AUTH_DESCRIPTION } from '#domain/llnw-auth.js';
import type { AclRequest, AclResponse } from '#domain/functions-contract.js';
import { AuthServiceError } from '#ingest/auth/auth-service-error.js';
import type { AuthEvent, AuthorizeRequest, Credentials } from '#ingest/auth/authorizer.js';
import { createAuthorizer, type AuthorizerConfig } from '#ingest/auth/create-authorizer.js';
import { appQueryPassword, rtmpPublishRequests } from '#test/support/rtmp-publish-requests.js';
import { adobeStep3App, llnwStep3App, parseStep2 } from './adobe-test-client.js';

const USERS: Record<string, { password: string; publish: string[]; play: string[] }> = {
  alice12: { password: 's3cret-pass', publish: ['cam1'], play: ['cam1'] },
  bob0001: { password: 'b0b-password', publish: ['bobcam'], play: [] },
};

/** An authorizer over in-memory fakes of /token and /acl, a settable clock and recorded sleeps. */
function setup(config: Partial<AuthorizerConfig> = {}, opts: { down?: boolean; ttlSeconds?: number } = {}) {
  const calls = { token: 0, acl: 0 };
  const sleeps: number[] = [];
  const events: AuthEvent[] = [];
  const clock = { now: 1_800_000_000_000 };
  let rnd = 0;
  const state = { down: opts.down ?? false, disabled: new Set<string>() };
  const authorizer = createAuthorizer(
    { functionsUrl: 'http://unused.invalid', teaSecret: 'abcdefghijklmnop', serviceToken: 'svc', failureDelayMs: 250, maxFailures: 3, ...config },
    {
      log: (e) => events.push(e),
      now: () => clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      randomBytes: (n) => new Uint8Array(n).map((_, i) => (rnd++ * 31 + i * 7) & 0xff),
      tokenClient: {
        async lookupPassword(user) {
          calls.token++;
          if (state.down) throw new AuthServiceError('auth_unreachable', 'down');
          return state.disabled.has(user) ? undefined : USERS[user]?.password;
        },
      },
      aclClient: {
        async check(req: AclRequest): Promise<AclResponse> {
          calls.acl++;
          if (state.down) throw new AuthServiceError('auth_timeout', 'slow');
          const u = req.user === undefined ? undefined : USERS[req.user];
          if (!u) return { allowed: false, reason: 'unknown_user', ttlSeconds: 30 };
          if (state.disabled.has(req.user!)) return { allowed: false, reason: 'user_disabled', ttlSeconds: 30 };
          const ok = u[req.action].includes(req.stream.toLowerCase());
          return { allowed: ok, reason: ok ? 'grant_matched' : 'no_matching_grant', ttlSeconds: opts.ttlSeconds ?? 30 };
        },
      },
    },
  );
  return { authorizer, calls, sleeps, events, clock, state };
}

const publish = rtmpPublishRequests('10.0.0.1');
const pw = appQueryPassword;

describe('connect screening', () => {
  it('challenges a credential-less publisher with the exact step-1 string', async () => {
    const { authorizer } = setup();
    const o = await authorizer.connect({ app: 'live', tcUrl: 'rtmp://h/live', ip: '10.0.0.1', protocol: 'rtmp', role: 'publisher' });
    expect(o).toEqual({ kind: 'reject', description: ADOBE_NEED_AUTH_DESCRIPTION, reason: 'need_auth' });
  });

  it('challenges unknown roles too, but lets anonymous players in while play auth is none', async () => {
    const { authorizer } = setup();
    expect((await authorizer.connect({ app: 'live', ip: 'a', protocol: 'rtmp', role: 'unknown' })).kind).toBe('reject');
    expect(await authorizer.connect({ app: 'live', ip: 'a', protocol: 'rtmp', role: 'player' })).toEqual({
      kind: 'accept',
      app: 'live',
      credentials: { kind: 'none' },
    });
  });

  it('challenges players when play auth is required', async () => {
    const { authorizer } = setup({ playAuth: 'required' });
    expect((await authorizer.connect({ app: 'live', ip: 'a', protocol: 'rtmp', role: 'player' })).kind).toBe('reject');
  });

  it('accepts everything without parsing credentials when publish auth is off and play auth none', async () => {
    const { authorizer } = setup({ publishAuth: 'off' });
    expect(await authorizer.connect({ app: 'live?authmod=adobe&user=x', ip: 'a', protocol: 'rtmp', role: 'publisher' })).toEqual({
      kind: 'accept',
      app: 'live',
      credentials: { kind: 'none' },
    });
  });

  it('with publish auth off but play auth required, challenges players and unknown roles only', async () => {
    const { authorizer } = setup({ publishAuth: 'off', playAuth: 'required' });
    const role = async (r: 'publisher' | 'player' | 'unknown') => (await authorizer.connect({ app: 'live', ip: 'a', protocol: 'rtmp', role: r })).kind;
    expect(await role('publisher')).toBe('accept');
    expect(await role('player')).toBe('reject');
    expect(await role('unknown')).toBe('reject');
  });

  it('sends the llnw step 1 when configured to', async () => {
    const { authorizer } = setup({ challenge: 'llnw' });
    const o = await authorizer.connect({ app: 'live', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    expect(o).toEqual({ kind: 'reject', description: LLNW_NEED_AUTH_DESCRIPTION, reason: 'need_auth' });
  });

  it('lets a credential-less connect through when configured for stream-name credentials', async () => {
    const { authorizer } = setup({ connectWithoutCredentials: 'accept' });
    expect((await authorizer.connect({ app: 'live', ip: 'a', protocol: 'rtmp', role: 'publisher' })).kind).toBe('accept');
  });

  it('checks Wowza-style ?user=&pass= at connect and passes them on as password credentials, from app or tcUrl', async () => {
    const { authorizer } = setup();
    expect(await authorizer.connect({ app: 'live?user=alice12&pass=s3cret-pass', ip: 'a', protocol: 'rtmp', role: 'publisher' })).toEqual({
      kind: 'accept',
      app: 'live',
      credentials: { kind: 'password', user: 'alice12', password: 's3cret-pass', source: 'app-query' },
    });
    const o = await authorizer.connect({ app: 'live', tcUrl: 'rtmp://h/live?user=alice12&pass=s3cret%2Dpass', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    expect(o).toMatchObject({ kind: 'accept', credentials: { user: 'alice12', password: 's3cret-pass' } });
  });

  it('refuses wrong or unknown ?user=&pass= at connect, the same way, after the failure delay', async () => {
    const { authorizer, events } = setup();
    const wrong = await authorizer.connect({ app: 'live', tcUrl: 'rtmp://h/live?user=alice12&pass=x%20y', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    expect(wrong).toEqual({ kind: 'reject', description: 'Authentication failed', reason: 'bad_credentials' });
    expect(events.at(-1)).toMatchObject({ action: 'connect', user: 'alice12', method: 'query', allowed: false, reason: 'bad_credentials' });
    const unknown = await authorizer.connect({ app: 'live?user=nobody42&pass=x', ip: 'a', protocol: 'rtmp', role: 'player' });
    expect(unknown).toEqual(wrong);
  });

  it('refuses an oversized query with the authfailed answer instead of throwing', async () => {
    const { authorizer, events } = setup();
    const o = await authorizer.connect({ app: 'live?' + 'a'.repeat(5000), ip: 'a', protocol: 'rtmp', role: 'publisher' });
    expect(o).toEqual({ kind: 'reject', description: adobeAuthFailedDescription(), reason: 'bad_request' });
    expect(events.at(-1)).toMatchObject({ action: 'connect', app: 'live', reason: 'bad_request', errorCode: 'auth_query_too_long' });
  });
});

describe('Adobe challenge through the authorizer', () => {
  async function login(a: ReturnType<typeof setup>, user: string, password: string, form: 'standard' | 'librtmp' = 'standard', ip = '10.0.0.1') {
    const step2 = await a.authorizer.connect({ app: `live?authmod=adobe&user=${user}`, ip, protocol: 'rtmp', role: 'publisher' });
    if (step2.kind !== 'reject' || step2.reason !== 'challenge') throw new Error(`no challenge: ${JSON.stringify(step2)}`);
    const app = adobeStep3App('live', step2.description, user, password, { form, clientChallenge: form === 'librtmp' ? 'xiN7Mg==' : '1a2b3c4d' });
    return { app, step3: await a.authorizer.connect({ app, ip, protocol: 'rtmp', role: 'publisher' }), step2 };
  }

  it('FFmpeg-style answer logs in and the verified user may publish its granted stream', async () => {
    const a = setup();
    const { step3, step2 } = await login(a, 'alice12', 's3cret-pass');
    expect(parseStep2(step2.kind === 'reject' ? step2.description : '').get('reason')).toBe('needauth');
    expect(step3).toEqual({ kind: 'accept', app: 'live', credentials: { kind: 'verified', user: 'alice12', method: 'adobe' } });
    if (step3.kind !== 'accept') return;
    const d = await a.authorizer.authorize(publish('CAM1?foo=bar', step3.credentials));
    expect(d).toMatchObject({ allowed: true, reason: 'allowed', user: 'alice12', stream: 'CAM1' });
    expect(a.calls).toEqual({ token: 1, acl: 1 });
  });

  it("librtmp's opaque+challenge answer logs in too", async () => {
    const { step3 } = await login(setup(), 'alice12', 's3cret-pass', 'librtmp');
    expect(step3.kind).toBe('accept');
  });

  it('a wrong password gets authfailed after the failure delay', async () => {
    const a = setup();
    const { step3 } = await login(a, 'alice12', 'wrong-pass');
    expect(step3).toEqual({ kind: 'reject', description: adobeAuthFailedDescription(), reason: 'bad_credentials' });
    expect(a.sleeps).toEqual([250]);
  });

  it('an unknown user still gets a challenge (no enumeration) and then the same authfailed', async () => {
    const a = setup();
    const { step2, step3 } = await login(a, 'nobody1', 'whatever1');
    expect(step2.kind === 'reject' && step2.description).toContain('&user=nobody1&salt=');
    expect(step3).toEqual({ kind: 'reject', description: adobeAuthFailedDescription(), reason: 'bad_credentials' });
  });

  it('a replayed step 3 is refused without a password lookup', async () => {
    const a = setup();
    const { app, step3 } = await login(a, 'alice12', 's3cret-pass');
    expect(step3.kind).toBe('accept');
    const again = await a.authorizer.connect({ app, ip: '10.9.9.9', protocol: 'rtmp', role: 'publisher' });
    expect(again).toMatchObject({ kind: 'reject', reason: 'challenge_invalid' });
    expect(a.calls.token).toBe(1);
    expect(a.events.at(-1)).toMatchObject({ errorCode: 'challenge_replayed' });
  });

  it('an answer after the challenge expired is refused', async () => {
    const a = setup();
    const step2 = await a.authorizer.connect({ app: 'live?authmod=adobe&user=alice12', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    a.clock.now += 61_000;
    const app = adobeStep3App('live', step2.kind === 'reject' ? step2.description : '', 'alice12', 's3cret-pass');
    expect(await a.authorizer.connect({ app, ip: 'a', protocol: 'rtmp', role: 'publisher' })).toMatchObject({ reason: 'challenge_invalid' });
    expect(a.events.at(-1)).toMatchObject({ errorCode: 'challenge_expired' });
  });

  it("a tampered opaque or another user's opaque is refused", async () => {
    const a = setup();
    const step2 = await a.authorizer.connect({ app: 'live?authmod=adobe&user=bob0001', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    const desc = step2.kind === 'reject' ? step2.description : '';
    const bobApp = adobeStep3App('live', desc, 'bob0001', 'b0b-password');
    const asAlice = bobApp.replace('user=bob0001', 'user=alice12');
    expect(await a.authorizer.connect({ app: asAlice, ip: 'a', protocol: 'rtmp', role: 'publisher' })).toMatchObject({ reason: 'challenge_invalid' });
    const opaque = parseStep2(desc).get('opaque')!;
    const flipped = bobApp.replace(opaque, opaque.slice(0, 20) + (opaque[20] === 'A' ? 'B' : 'A') + opaque.slice(21));
    expect(await a.authorizer.connect({ app: flipped, ip: 'b', protocol: 'rtmp', role: 'publisher' })).toMatchObject({ reason: 'challenge_invalid' });
  });

  it('functions down during step 3 is a fail-closed authfailed that is not counted as a guess', async () => {
    const a = setup();
    const step2 = await a.authorizer.connect({ app: 'live?authmod=adobe&user=alice12', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    a.state.down = true;
    const app = adobeStep3App('live', step2.kind === 'reject' ? step2.description : '', 'alice12', 's3cret-pass');
    expect(await a.authorizer.connect({ app, ip: 'a', protocol: 'rtmp', role: 'publisher' })).toEqual({
      kind: 'reject',
      description: adobeAuthFailedDescription(),
      reason: 'service_unavailable',
    });
    expect(a.sleeps).toEqual([]);
  });

  it('a user name that would break client parsing gets authfailed, not a challenge', async () => {
    const o = await setup().authorizer.connect({ app: 'live?authmod=adobe&user=a%26b', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    expect(o).toMatchObject({ kind: 'reject', reason: 'bad_credentials' });
  });

  it('verified credentials not minted by this authorizer are refused', async () => {
    const a = setup();
    const forged: Credentials = { kind: 'verified', user: 'alice12', method: 'adobe' };
    expect(await a.authorizer.authorize(publish('cam1', forged))).toMatchObject({ allowed: false, reason: 'bad_credentials' });
    const other = setup();
    const { step3 } = await login(other, 'alice12', 's3cret-pass');
    if (step3.kind !== 'accept') throw new Error('login failed');
    expect(await a.authorizer.authorize(publish('cam1', step3.credentials))).toMatchObject({ allowed: false, reason: 'bad_credentials' });
    expect(a.calls).toEqual({ token: 0, acl: 0 });
  });
});

describe('llnw challenge through the authorizer', () => {
  it('logs in with the FFmpeg llnw answer and refuses a wrong one', async () => {
    const a = setup();
    const step2 = await a.authorizer.connect({ app: 'live?authmod=llnw&user=alice12', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    expect(step2).toMatchObject({ kind: 'reject', reason: 'challenge' });
    const desc = step2.kind === 'reject' ? step2.description : '';
    expect(desc).toMatch(/^\[ AccessManager\.Reject \] : \[ authmod=llnw \] : \?reason=needauth&user=alice12&nonce=[A-Za-z0-9]{32}$/);
    const ok = await a.authorizer.connect({ app: llnwStep3App('live', desc, 'alice12', 's3cret-pass'), ip: 'a', protocol: 'rtmp', role: 'publisher' });
    expect(ok).toEqual({ kind: 'accept', app: 'live', credentials: { kind: 'verified', user: 'alice12', method: 'llnw' } });
    const step2b = await a.authorizer.connect({ app: 'live?authmod=llnw&user=alice12', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    const bad = await a.authorizer.connect({
      app: llnwStep3App('live', step2b.kind === 'reject' ? step2b.description : '', 'alice12', 'nope-nope'),
      ip: 'a',
      protocol: 'rtmp',
      role: 'publisher',
    });
    expect(bad).toEqual({ kind: 'reject', description: LLNW_AUTH_FAILED_DESCRIPTION, reason: 'bad_credentials' });
  });
});

describe('authorize', () => {
  it('allows everything with auth_off when publish auth is off, and anonymous play by default', async () => {
    const a = setup({ publishAuth: 'off' });
    expect(await a.authorizer.authorize(publish('x?y=1', { kind: 'none' }))).toEqual({ allowed: true, reason: 'auth_off', stream: 'x' });
    expect(await a.authorizer.authorize({ ...publish('x', { kind: 'none' }), action: 'play' })).toMatchObject({ allowed: true, reason: 'auth_off' });
    expect(a.calls).toEqual({ token: 0, acl: 0 });
  });

  it('logs an open play as play_auth_off while publish auth is on (not auth_off, which reads as no auth at all)', async () => {
    const a = setup();
    expect(await a.authorizer.authorize({ ...publish('x', { kind: 'none' }), action: 'play' })).toEqual({ allowed: true, reason: 'play_auth_off', stream: 'x' });
    expect(a.events.at(-1)).toMatchObject({ action: 'play', allowed: true, reason: 'play_auth_off' });
  });

  it('denies a publish without credentials', async () => {
    const a = setup();
    expect(await a.authorizer.authorize(publish('cam1', { kind: 'none' }))).toEqual({
      allowed: false,
      reason: 'no_credentials',
      stream: 'cam1',
      description: 'Authentication required',
    });
  });

  it('takes credentials from the stream name query and decides on the name without it', async () => {
    const a = setup();
    const d = await a.authorizer.authorize(publish('Cam1?user=alice12&pass=s3cret-pass', { kind: 'none' }));
    expect(d).toMatchObject({ allowed: true, user: 'alice12', stream: 'Cam1' });
    // The log names the canonical identity (case folded), the answer the name as sent.
    expect(a.events.at(-1)).toMatchObject({ app: 'live', stream: 'cam1', method: 'query' });
  });

  it('asks the ACL and keys its cache on the canonical identity, whatever split came in', async () => {
    const a = setup();
    const creds = { kind: 'password', user: 'alice12', password: 's3cret-pass', source: 'app-query' } as const;
    await a.authorizer.authorize({ ...publish('feed', creds), app: 'live/Carol-X' });
    expect(a.events.at(-1)).toMatchObject({ app: 'live', stream: 'carol-x/feed', cached: false });
    await a.authorizer.authorize({ ...publish('CAROL-x/feed', creds), app: 'LIVE' });
    expect(a.events.at(-1)).toMatchObject({ app: 'live', stream: 'carol-x/feed', cached: true });
  });

  it('refuses a name that cannot be a canonical stream as bad_request', async () => {
    const a = setup();
    const d = await a.authorizer.authorize(publish('../x', { kind: 'none' }));
    expect(d).toMatchObject({ allowed: false, reason: 'bad_request' });
    expect(a.events.at(-1)).toMatchObject({ errorCode: 'STREAM_NAME_BAD_SEGMENT' });
  });

  it('allows a right password on a granted stream and says when to recheck', async () => {
    const a = setup();
    const d = await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    expect(d).toEqual({ allowed: true, reason: 'allowed', stream: 'cam1', user: 'alice12', recheckAtMs: a.clock.now + 30_000 });
  });

  it('denies a wrong password after the delay, without asking the ACL', async () => {
    const a = setup();
    const d = await a.authorizer.authorize(publish('cam1', pw('alice12', 'guess')));
    expect(d).toMatchObject({ allowed: false, reason: 'bad_credentials', description: 'Authentication failed' });
    expect(a.sleeps).toEqual([250]);
    expect(a.calls).toEqual({ token: 1, acl: 0 });
  });

  it('denies a disallowed stream with the Wowza text', async () => {
    const a = setup();
    const d = await a.authorizer.authorize(publish('Other?x=1', pw('alice12', 's3cret-pass')));
    expect(d).toMatchObject({ allowed: false, reason: 'stream_not_allowed', description: 'Stream name not allowed for the logged in user: Other' });
    expect(a.sleeps).toEqual([]);
  });

  it('serves a repeated decision from cache with no call, and asks again once the TTL passed', async () => {
    const a = setup();
    await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    const d = await a.authorizer.authorize(publish('CAM1?t=2', pw('alice12', 's3cret-pass')));
    expect(d).toMatchObject({ allowed: true });
    expect(a.calls).toEqual({ token: 1, acl: 1 });
    expect(a.events.at(-1)).toMatchObject({ cached: true, allowed: true });
    a.clock.now += 30_000;
    await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    expect(a.calls).toEqual({ token: 2, acl: 2 });
  });

  it('does not let a cached success answer a different password', async () => {
    const a = setup();
    await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    expect(await a.authorizer.authorize(publish('cam1', pw('alice12', 'other-pass')))).toMatchObject({ allowed: false, reason: 'bad_credentials' });
  });

  it('caches denials only briefly', async () => {
    const a = setup({ negativeTtlMs: 2000 });
    await a.authorizer.authorize(publish('other', pw('alice12', 's3cret-pass')));
    await a.authorizer.authorize(publish('other', pw('alice12', 's3cret-pass')));
    expect(a.calls.acl).toBe(1);
    a.clock.now += 2000;
    await a.authorizer.authorize(publish('other', pw('alice12', 's3cret-pass')));
    expect(a.calls.acl).toBe(2);
  });

  it('does not cache when the ACL says ttlSeconds 0, but still gives a recheck time', async () => {
    const a = setup({}, { ttlSeconds: 0 });
    const d = await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    expect(d.recheckAtMs).toBe(a.clock.now + 1000);
    await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    expect(a.calls.acl).toBe(2);
  });

  it('recheck ignores the cache and says precisely that the user was disabled since (a new client still hears bad_credentials)', async () => {
    const a = setup();
    const req = publish('cam1', pw('alice12', 's3cret-pass'));
    expect((await a.authorizer.authorize(req)).allowed).toBe(true);
    a.state.disabled.add('alice12');
    expect((await a.authorizer.authorize(req)).allowed).toBe(true); // still cached
    expect(await a.authorizer.recheck(req)).toMatchObject({ allowed: false, reason: 'user_disabled', description: 'User disabled' });
    expect(a.events.at(-1)).toMatchObject({ reason: 'user_disabled', user: 'alice12' });
    // The session's recheck is no failed attempt of this address.
    expect(a.sleeps).toEqual([]);
    const fresh = setup();
    fresh.state.disabled.add('alice12');
    expect(await fresh.authorizer.authorize(req)).toMatchObject({ allowed: false, reason: 'bad_credentials' });
  });

  it('recheck says the credentials changed when the password was changed since', async () => {
    const a = setup();
    const req = publish('cam1', pw('alice12', 's3cret-pass'));
    expect((await a.authorizer.authorize(req)).allowed).toBe(true);
    const before = USERS.alice12!.password;
    USERS.alice12!.password = 'new-s3cret-pass';
    try {
      expect(await a.authorizer.recheck(req)).toMatchObject({ allowed: false, reason: 'credentials_changed', description: 'Credentials changed: log in again' });
    } finally {
      USERS.alice12!.password = before;
    }
  });

  it('recheck of an Adobe-verified session asks the ACL, which knows about disabled users', async () => {
    const a = setup();
    const s2 = await a.authorizer.connect({ app: 'live?authmod=adobe&user=alice12', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    const s3 = await a.authorizer.connect({ app: adobeStep3App('live', s2.kind === 'reject' ? s2.description : '', 'alice12', 's3cret-pass'), ip: 'a', protocol: 'rtmp', role: 'publisher' });
    if (s3.kind !== 'accept') throw new Error('login failed');
    const req = publish('cam1', s3.credentials, 'a');
    expect((await a.authorizer.authorize(req)).allowed).toBe(true);
    a.state.disabled.add('alice12');
    expect(await a.authorizer.recheck(req)).toMatchObject({ allowed: false, reason: 'user_disabled' });
  });

  it('functions failing means deny (fail closed), not cached, not counted', async () => {
    const a = setup({}, { down: true });
    const d = await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    expect(d).toMatchObject({ allowed: false, reason: 'service_unavailable', description: 'Authorization service unavailable' });
    expect(a.events.at(-1)).toMatchObject({ errorCode: 'auth_unreachable' });
    a.state.down = false;
    expect((await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')))).allowed).toBe(true);
    expect(a.sleeps).toEqual([]);
  });

  it('refuses an address outright after too many failures, while others still get in', async () => {
    const a = setup();
    for (let i = 0; i < 3; i++) await a.authorizer.authorize(publish('cam1', pw('alice12', `guess-${i}`), '6.6.6.6'));
    const calls = { ...a.calls };
    const d = await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass'), '6.6.6.6'));
    expect(d).toMatchObject({ allowed: false, reason: 'throttled' });
    expect(a.calls).toEqual(calls);
    expect((await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass'), '7.7.7.7'))).allowed).toBe(true);
    const c = await a.authorizer.connect({ app: 'live?authmod=adobe&user=alice12', ip: '6.6.6.6', protocol: 'rtmp', role: 'publisher' });
    expect(c).toMatchObject({ kind: 'reject', reason: 'throttled' });
    a.clock.now += 60_000;
    expect((await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass'), '6.6.6.6'))).allowed).toBe(true);
  });

  it('checks RTSP digest-style proofs against the looked-up password and never caches them', async () => {
    const a = setup();
    const proof = (expected: string): Credentials => ({ kind: 'proof', user: 'alice12', method: 'rtsp-digest', verify: (p) => p === expected });
    expect(await a.authorizer.authorize({ ...publish('cam1', proof('s3cret-pass')), protocol: 'rtsp' })).toMatchObject({ allowed: true });
    expect(await a.authorizer.authorize({ ...publish('cam1', proof('s3cret-pass')), protocol: 'rtsp' })).toMatchObject({ allowed: true });
    expect(a.calls.token).toBe(2);
    const throwing: Credentials = { kind: 'proof', user: 'alice12', method: 'rtsp-digest', verify: () => { throw new Error('bug'); } };
    expect(await a.authorizer.authorize(publish('cam1', throwing))).toMatchObject({ allowed: false, reason: 'bad_credentials' });
  });

  it('applies play auth when required, with the play grants', async () => {
    const a = setup({ playAuth: 'required' });
    const play = (stream: string, c: Credentials): AuthorizeRequest => ({ ...publish(stream, c), action: 'play' });
    expect(await a.authorizer.authorize(play('cam1', { kind: 'none' }))).toMatchObject({ allowed: false, reason: 'no_credentials' });
    expect(await a.authorizer.authorize(play('cam1', pw('alice12', 's3cret-pass')))).toMatchObject({ allowed: true });
    expect(await a.authorizer.authorize(play('bobcam', pw('bob0001', 'b0b-password')))).toMatchObject({ allowed: false, reason: 'stream_not_allowed' });
  });

  it('logs one structured event per decision and never a password', async () => {
    const a = setup();
    await a.authorizer.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    await a.authorizer.authorize(publish('cam1', pw('alice12', 'wrong-secret')));
    const s2 = await a.authorizer.connect({ app: 'live?authmod=adobe&user=alice12', ip: 'a', protocol: 'rtmp', role: 'publisher' });
    const app3 = adobeStep3App('live', s2.kind === 'reject' ? s2.description : '', 'alice12', 's3cret-pass');
    await a.authorizer.connect({ app: app3, ip: 'a', protocol: 'rtmp', role: 'publisher' });
    expect(a.events).toHaveLength(4);
    expect(a.events[0]).toEqual({
      event: 'auth',
      user: 'alice12',
      app: 'live',
      stream: 'cam1',
      action: 'publish',
      ip: '10.0.0.1',
      protocol: 'rtmp',
      allowed: true,
      reason: 'allowed',
      latencyMs: 0,
      cached: false,
      method: 'query',
    });
    const text = JSON.stringify(a.events);
    for (const secret of ['s3cret-pass', 'wrong-secret', 'response=', new URLSearchParams(app3.split('?')[1]).get('response')!]) {
      expect(text).not.toContain(secret);
    }
  });

  it('answers even when the log sink throws', async () => {
    const a = createAuthorizer(
      { functionsUrl: 'http://127.0.0.1:1', teaSecret: 'abcdefghijklmnop', serviceToken: 's', publishAuth: 'off' },
      { log: () => { throw new Error('sink broke'); } },
    );
    expect((await a.authorize(publish('x', { kind: 'none' }))).allowed).toBe(true);
  });
});

describe('connect and authorize under random mutation', () => {
  it('always answer with a well-formed outcome, never throw, and only ever accept the real user', async () => {
    const a = setup({ failureDelayMs: 0, maxFailures: 1_000_000 });
    let seed = 0xc0ffee;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = '?&=%+/ aZ09\u00e4\u0000';
    const s2 = await a.authorizer.connect({ app: 'live?authmod=adobe&user=alice12', ip: 'f', protocol: 'rtmp', role: 'publisher' });
    const seeds = [
      adobeStep3App('live', s2.kind === 'reject' ? s2.description : '', 'alice12', 's3cret-pass'),
      'live?user=alice12&pass=s3cret-pass',
      'live?authmod=llnw&user=alice12&nonce=x&cnonce=y&nc=00000001&response=z',
    ];
    for (const base of seeds) {
      for (let round = 0; round < 150; round++) {
        let s = base;
        for (let e = 0, n = 1 + rnd(4); e < n; e++) {
          const at = rnd(s.length + 1);
          const op = rnd(3);
          if (op === 0) s = s.slice(0, at) + alphabet[rnd(alphabet.length)] + s.slice(at);
          else if (op === 1) s = s.slice(0, at) + s.slice(at + 1);
          else s = s.slice(0, at) + s.slice(at, at + 6).repeat(1 + rnd(600)) + s.slice(at);
        }
        const o = await a.authorizer.connect({ app: s, tcUrl: `rtmp://h/${s}`, ip: 'f', protocol: 'rtmp', role: 'publisher' });
        expect(['accept', 'reject']).toContain(o.kind);
        if (o.kind === 'reject') expect(Buffer.byteLength(o.description)).toBeLessThanOrEqual(255);
        if (o.kind === 'accept' && o.credentials.kind !== 'none') {
          const d = await a.authorizer.authorize(publish('cam1', o.credentials, 'f'));
          if (d.allowed) expect(d.user).toBe('alice12');
        }
        const d = await a.authorizer.authorize(publish(s, { kind: 'none' }, 'f'));
        expect(typeof d.allowed).toBe('boolean');
        if (d.allowed) expect(d.user).toBe('alice12');
      }
    }
  });
});
