import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACL_MAX_BODY_BYTES, TOKEN_INVALID_CLIENT, TOKEN_MAX_BODY_BYTES } from '#domain/functions-contract.js';
import { createAclApp } from '#functions/acl/create-acl-app.js';
import { createRelaysApp, RELAYS_MAX_BODY_BYTES } from '#functions/relays/create-relays-app.js';
import { createTokenApp } from '#functions/token/create-token-app.js';
import { createUsersApp, USERS_MAX_BODY_BYTES } from '#functions/users/create-users-app.js';
import { ADMIN_TOKEN, lambdaEnv, SERVICE_TOKEN, startTestDeps } from '../support/test-deps.js';

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
beforeAll(async () => {
  ctx = await startTestDeps();
});
afterAll(() => ctx.close());

/** A body of `total` bytes of `{` (never valid JSON) that counts how many bytes were pulled from it. */
function countedBody(total: number, chunk = 1024): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) return controller.close();
        const n = Math.min(chunk, total - sent);
        sent += n;
        controller.enqueue(new Uint8Array(n).fill(0x7b));
      },
    },
    { highWaterMark: 0 },
  ); // pulled only when read
  return { stream, pulled: () => sent };
}

const routes = () =>
  [
    { name: 'POST /users', app: createUsersApp(ctx.deps), path: '/users', max: USERS_MAX_BODY_BYTES, token: ADMIN_TOKEN },
    { name: 'POST /relays', app: createRelaysApp(ctx.deps), path: '/relays', max: RELAYS_MAX_BODY_BYTES, token: ADMIN_TOKEN },
    { name: 'POST /acl', app: createAclApp(ctx.deps), path: '/acl', max: ACL_MAX_BODY_BYTES, token: SERVICE_TOKEN },
  ] as const;

describe('the functions body limit (Hono bodyLimit)', () => {
  it('refuses a declared Content-Length over the bound with JSON 413 without reading a byte of the body', async () => {
    for (const r of routes()) {
      const body = countedBody(r.max + 1);
      const res = await r.app.request(
        r.path,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${r.token}`, 'content-length': String(r.max + 1) },
          body: body.stream,
          duplex: 'half',
        } as RequestInit,
        lambdaEnv('203.0.113.9'),
      );
      expect(res.status, r.name).toBe(413);
      expect(await res.json()).toEqual({ error: 'body_too_large', message: `request body larger than ${r.max} bytes` });
      expect(body.pulled(), r.name).toBe(0);
    }
  });

  it('stops reading a chunked body at the bound and answers 413, not the 400 of a parse', async () => {
    for (const r of routes()) {
      const body = countedBody(10 * r.max);
      const res = await r.app.request(
        r.path,
        { method: 'POST', headers: { authorization: `Bearer ${r.token}` }, body: body.stream, duplex: 'half' } as RequestInit,
        lambdaEnv('203.0.113.9'),
      );
      expect(res.status, r.name).toBe(413);
      expect(await res.json()).toMatchObject({ error: 'body_too_large' });
      expect(body.pulled(), r.name).toBeLessThanOrEqual(r.max + 2 * 1024);
    }
  });

  it('parses a body at the bound (400 invalid_json for these bytes, not 413)', async () => {
    for (const r of routes()) {
      const res = await r.app.request(
        r.path,
        { method: 'POST', headers: { authorization: `Bearer ${r.token}` }, body: '{'.repeat(r.max) },
        lambdaEnv('203.0.113.9'),
      );
      expect(res.status, r.name).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_json' });
    }
  });

  it('answers an oversize /token body with Wowza’s 200 Invalid Client, logged body_too_large, without reading it', async () => {
    const body = countedBody(TOKEN_MAX_BODY_BYTES + 1);
    const res = await createTokenApp(ctx.deps).request(
      '/token',
      { method: 'POST', headers: { 'content-length': String(TOKEN_MAX_BODY_BYTES + 1) }, body: body.stream, duplex: 'half' } as RequestInit,
      lambdaEnv('203.0.113.10'),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(TOKEN_INVALID_CLIENT);
    expect(body.pulled()).toBe(0);
    expect(ctx.logs.at(-1)).toMatchObject({ route: 'token', ip: '203.0.113.10', decision: 'deny', reason: 'body_too_large' });
  });
});
