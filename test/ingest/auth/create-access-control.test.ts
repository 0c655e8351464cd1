import { describe, expect, it } from 'vitest';
import { ADOBE_NEED_AUTH_DESCRIPTION } from '#domain/adobe-auth.js';
import { createAccessControl } from '#ingest/auth/create-access-control.js';
import { createLogger } from '#domain/logger.js';

const base = { auth: 'on', playAuth: 'none', functionsUrl: 'http://127.0.0.1:9', teaSecret: 'abcdefghijklmnop', serviceToken: 'svc', authTimeoutMs: 500 } as const;

describe('createAccessControl (ingest config → RTMP access control)', () => {
  it('refuses to start with auth on and no functions URL, TEA secret or service token', () => {
    const log = createLogger('error', () => {});
    expect(() => createAccessControl({ ...base, functionsUrl: undefined }, log)).toThrow(expect.objectContaining({ variable: 'STREAMGATE_FUNCTIONS_URL' }));
    expect(() => createAccessControl({ ...base, teaSecret: undefined }, log)).toThrow(expect.objectContaining({ variable: 'STREAMGATE_TEA_SECRET' }));
    expect(() => createAccessControl({ ...base, serviceToken: undefined }, log)).toThrow(expect.objectContaining({ variable: 'STREAMGATE_SERVICE_TOKEN' }));
  });

  it('with STREAMGATE_AUTH=off needs no functions and lets publishers in, logging the decision', async () => {
    const lines: string[] = [];
    const access = createAccessControl({ auth: 'off', playAuth: 'none', functionsUrl: undefined, teaSecret: undefined, serviceToken: undefined, authTimeoutMs: 2000 }, createLogger('info', (l) => lines.push(l)));
    expect(await access.connect({ app: 'live', rawApp: 'live', remoteAddress: '1.2.3.4', protocol: 'rtmp', commandObject: { type: 'nonprivate' } })).toEqual({ ok: true, credentials: { kind: 'none' } });
    expect(await access.publish({ app: 'live', appQuery: '', stream: 'x', streamQuery: '', remoteAddress: '1.2.3.4', protocol: 'rtmp' })).toEqual({ ok: true });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({ level: 'info', event: 'auth', action: 'publish', allowed: true, reason: 'auth_off', stream: 'x' });
  });

  it('with auth on challenges a bare publisher connect and fails closed (warn) when the functions are unreachable', async () => {
    const lines: string[] = [];
    const access = createAccessControl(base, createLogger('info', (l) => lines.push(l)), { failureDelayMs: 0 });
    expect(await access.connect({ app: 'live', rawApp: 'live', remoteAddress: '1.2.3.4', protocol: 'rtmp', commandObject: { type: 'nonprivate' } })).toEqual({ ok: false, description: ADOBE_NEED_AUTH_DESCRIPTION });
    const v = await access.publish({ app: 'live', appQuery: 'user=alice12&pass=s3cret-pass', stream: 'cam1', streamQuery: '', remoteAddress: '1.2.3.4', protocol: 'rtmp' });
    expect(v).toEqual({ ok: false, code: 'NetStream.Publish.Denied', description: 'Authorization service unavailable' });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 'warn', event: 'auth', reason: 'service_unavailable', errorCode: 'auth_unreachable' });
    expect(lines.join('\n')).not.toContain('s3cret-pass');
  });
});
