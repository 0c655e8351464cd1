import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ADOBE_NEED_AUTH_DESCRIPTION } from '#domain/adobe-auth.js';
import type { AclRequest, AclResponse } from '#domain/functions-contract.js';
import { AuthServiceError } from '#ingest/auth/auth-service-error.js';
import { createAuthorizer } from '#ingest/auth/create-authorizer.js';
import { createRtmpAccessControl } from '#ingest/auth/create-rtmp-access-control.js';
import type { StreamRequest } from '#ingest/servers/rtmp/rtmp-access-control.js';
import { adobeStep3App } from './adobe-test-client.js';

function setup(config: { playAuth?: 'none' | 'required' } = {}) {
  const state = { down: false, revoked: new Set<string>(), acl: 0 };
  const authorizer = createAuthorizer(
    { functionsUrl: 'http://unused.invalid', teaSecret: 'abcdefghijklmnop', serviceToken: 's', failureDelayMs: 0, ...config },
    {
      log: () => {},
      tokenClient: { lookupPassword: async (u) => ({ alice12: 's3cret-pass' })[u] },
      aclClient: {
        async check(req: AclRequest): Promise<AclResponse> {
          state.acl++;
          if (state.down) throw new AuthServiceError('auth_unreachable', 'down');
          const ok = req.user === 'alice12' && req.stream.toLowerCase() === 'cam1' && !state.revoked.has(req.stream.toLowerCase());
          return { allowed: ok, reason: ok ? 'grant_matched' : 'no_matching_grant', ttlSeconds: 30 };
        },
      },
    },
  );
  const access = createRtmpAccessControl(authorizer, { recheckGraceMs: 20_000, recheckRetryMs: 5000 });
  return { access, state };
}

const streamReq = (over: Partial<StreamRequest>): StreamRequest => ({
  app: 'live',
  appQuery: '',
  stream: 'cam1',
  streamQuery: '',
  remoteAddress: '10.0.0.1',
  protocol: 'rtmp',
  ...over,
});

/** alice12's allowed publish of live/cam1 (with rechecks: it has a watch). */
async function alicePublish(access: ReturnType<typeof createRtmpAccessControl>) {
  const v = await access.publish(streamReq({ appQuery: 'user=alice12&pass=s3cret-pass' }));
  if (!v.ok || !v.watch) throw new Error('expected an allowed publish with rechecks');
  return { ...v, watch: v.watch };
}

/** alice12's allowed publish watched by a mock: it is called with the reason the publish is stopped. */
async function watchedAlicePublish(access: ReturnType<typeof createRtmpAccessControl>) {
  const revoked = vi.fn();
  (await alicePublish(access)).watch(revoked);
  return revoked;
}

describe('RtmpAccessControl over the authorizer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('challenges a publisher connect and lets an anonymous player connect', async () => {
    const { access } = setup();
    const connect = (commandObject: Record<string, unknown>) => access.connect({ app: 'live', rawApp: 'live', remoteAddress: '10.0.0.1', protocol: 'rtmp', commandObject });
    expect(await connect({ type: 'nonprivate' })).toEqual({ ok: false, description: ADOBE_NEED_AUTH_DESCRIPTION });
    expect(await connect({ fpad: false, audioCodecs: 4071 })).toEqual({ ok: true, credentials: { kind: 'none' } });
  });

  it('hands back Adobe-verified credentials that publish honours, and only from the same authorizer', async () => {
    const { access } = setup();
    const base = { app: 'live', remoteAddress: '10.0.0.1', protocol: 'rtmp' as const, commandObject: { type: 'nonprivate' } };
    const s2 = await access.connect({ ...base, rawApp: 'live?authmod=adobe&user=alice12' });
    expect(s2.ok).toBe(false);
    const rawApp = adobeStep3App('live', s2.ok ? '' : s2.description, 'alice12', 's3cret-pass');
    const v = await access.connect({ ...base, rawApp });
    expect(v).toMatchObject({ ok: true, user: 'alice12', credentials: { kind: 'verified', user: 'alice12', method: 'adobe' } });
    const credentials = v.ok ? v.credentials : undefined;
    expect(await access.publish(streamReq({ credentials }))).toMatchObject({ ok: true, user: 'alice12' });
    const other = setup();
    expect(await other.access.publish(streamReq({ credentials }))).toMatchObject({ ok: false, code: 'NetStream.Publish.Denied' });
    expect(await access.publish(streamReq({ credentials: { kind: 'verified', user: 'alice12', method: 'adobe' } }))).toMatchObject({ ok: false });
  });

  it('hands back connect-query credentials as credentials too', async () => {
    const { access } = setup();
    const v = await access.connect({ app: 'live', rawApp: 'live?user=alice12&pass=s3cret-pass', remoteAddress: '10.0.0.1', protocol: 'rtmp', commandObject: {} });
    expect(v).toEqual({ ok: true, credentials: { kind: 'password', user: 'alice12', password: 's3cret-pass', source: 'app-query' } });
    expect(await access.publish(streamReq({ credentials: v.ok ? v.credentials : undefined }))).toMatchObject({ ok: true, user: 'alice12' });
  });

  it('takes query credentials from the connect app or the stream name', async () => {
    const { access } = setup();
    expect(await access.publish(streamReq({ appQuery: 'user=alice12&pass=s3cret-pass' }))).toMatchObject({ ok: true, user: 'alice12' });
    expect(await access.publish(streamReq({ stream: 'CAM1', streamQuery: 'user=alice12&pass=s3cret-pass' }))).toMatchObject({ ok: true });
    expect(await access.publish(streamReq({ stream: 'other', appQuery: 'user=alice12&pass=s3cret-pass' }))).toEqual({
      ok: false,
      code: 'NetStream.Publish.Denied',
      description: 'Stream name not allowed for the logged in user: other',
    });
  });

  it('stops a live publish once its grant is revoked, at the next recheck', async () => {
    const { access, state } = setup();
    const revoked = await watchedAlicePublish(access);
    expect(access.watching).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(revoked).not.toHaveBeenCalled();
    state.revoked.add('cam1');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(revoked).toHaveBeenCalledWith('Stream name not allowed for the logged in user: cam1');
    expect(access.watching).toBe(0);
  });

  it('rides out a short functions outage but stops the session past the grace period', async () => {
    const { access, state } = setup();
    const revoked = await watchedAlicePublish(access);
    state.down = true;
    await vi.advanceTimersByTimeAsync(30_000 + 10_000);
    expect(revoked).not.toHaveBeenCalled();
    state.down = false;
    await vi.advanceTimersByTimeAsync(5_000);
    state.down = true;
    await vi.advanceTimersByTimeAsync(30_000 + 25_000);
    expect(revoked).toHaveBeenCalledWith('Authorization service unavailable');
  });

  it('stop() and close() end the rechecks', async () => {
    const { access, state } = setup();
    const v = await alicePublish(access);
    const stop = v.watch(() => {});
    stop();
    const w = await access.publish(streamReq({ appQuery: 'user=alice12&pass=s3cret-pass' }));
    if (w.ok) w.watch?.(() => {});
    expect(access.watching).toBe(1);
    access.close();
    expect(access.watching).toBe(0);
    const calls = state.acl;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(state.acl).toBe(calls);
  });

  it('applies play auth only when required', async () => {
    expect(await setup().access.play(streamReq({ stream: 'anything' }))).toEqual({ ok: true });
    const { access } = setup({ playAuth: 'required' });
    expect(await access.play(streamReq({}))).toEqual({ ok: false, description: 'Authentication required' });
    expect(await access.play(streamReq({ appQuery: 'user=alice12&pass=s3cret-pass' }))).toMatchObject({ ok: true });
  });
});
