import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsersApp } from '#functions/users/create-users-app.js';
import { openApiDocument } from '#functions/users/openapi-document.js';
import { ADMIN_TOKEN, startTestDeps } from '../support/test-deps.js';

// The OpenAPI document and the validation are written separately; this keeps them from drifting.
// Every bound is read from the document, then a body just inside it must be accepted by the real
// app and a body just past it refused with 400 naming the field.

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
let app: ReturnType<typeof createUsersApp>;
beforeAll(async () => {
  ctx = await startTestDeps();
  app = createUsersApp(ctx.deps);
});
afterAll(() => ctx.close());

const schemas = openApiDocument.components.schemas;
const call = (method: string, path: string, body: unknown) =>
  app.request(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

let n = 0;
/** A user name nobody has used yet in this file. */
const freshName = () => `agree${++n}`;
/** A password of `length` characters that is not common and not the name. */
const password = (length: number) => 'Zq7-'.repeat(20).slice(0, length);

/** Creates the user and deletes it again; the answer's status and body. */
async function create(body: Record<string, unknown>): Promise<{ status: number; json: { field?: string } }> {
  const res = await call('POST', '/users', body);
  const json = (await res.json()) as { field?: string; name?: string };
  if (res.status === 201) await app.request(`/users/${json.name}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: res.status, json };
}

async function expectAccepted(body: Record<string, unknown>) {
  expect((await create(body)).status, JSON.stringify(body).slice(0, 120)).toBe(201);
}

async function expectRefused(body: Record<string, unknown>, field: string) {
  const { status, json } = await create(body);
  expect(status, JSON.stringify(body).slice(0, 120)).toBe(400);
  expect(json.field ?? '').toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}`));
}

describe('the OpenAPI document and the users API validation agree', () => {
  it('UserName: the pattern of the document accepts exactly the names the API accepts', async () => {
    const pattern = new RegExp(schemas.UserName.pattern);
    const max = Number(/\{1,(\d+)\}/.exec(schemas.UserName.pattern)?.[1]);
    const samples = ['a', 'A.b_c-9', 'x'.repeat(max), 'x'.repeat(max + 1), '', 'with space', 'slash/no', 'ünï', 'a:b', '..'];
    for (const name of samples) {
      const { status } = await create({ name, password: password(12) });
      expect(status === 201, `name ${JSON.stringify(name)}: document says ${pattern.test(name)}`).toBe(pattern.test(name));
    }
  });

  it('NewUser: password minLength and maxLength', async () => {
    const { minLength, maxLength } = schemas.NewUser.properties.password;
    await expectAccepted({ name: freshName(), password: password(minLength) });
    await expectAccepted({ name: freshName(), password: password(maxLength) });
    await expectRefused({ name: freshName(), password: password(minLength - 1) }, 'password');
    await expectRefused({ name: freshName(), password: password(maxLength + 1) }, 'password');
  });

  it('NewUser: required fields and no others', async () => {
    for (const field of schemas.NewUser.required) {
      const body: Record<string, unknown> = { name: freshName(), password: password(12) };
      delete body[field];
      await expectRefused(body, field);
    }
    expect(schemas.NewUser.additionalProperties).toBe(false);
    await expectRefused({ name: freshName(), password: password(12), role: 'admin' }, 'role');
  });

  it('Grants: list lengths, pattern length, and no keys besides publish and play', async () => {
    const maxItems = schemas.Grants.properties.publish.maxItems;
    const maxLength = schemas.Pattern.maxLength;
    const many = (count: number) => Array.from({ length: count }, (_, i) => `live/s${i}`);
    await expectAccepted({ name: freshName(), password: password(12), grants: { publish: many(maxItems), play: many(maxItems) } });
    await expectRefused({ name: freshName(), password: password(12), grants: { publish: many(maxItems + 1) } }, 'grants.publish');
    await expectRefused({ name: freshName(), password: password(12), grants: { play: many(maxItems + 1) } }, 'grants.play');
    await expectAccepted({ name: freshName(), password: password(12), grants: { publish: [`live/${'p'.repeat(maxLength - 5)}`] } });
    await expectRefused({ name: freshName(), password: password(12), grants: { publish: [`live/${'p'.repeat(maxLength - 4)}`] } }, 'grants.publish[0]');
    expect(schemas.Grants.additionalProperties).toBe(false);
    await expectRefused({ name: freshName(), password: password(12), grants: { admin: ['*'] } }, 'grants.admin');
  });

  it('NewUser: ipRanges maxItems', async () => {
    const { maxItems } = schemas.NewUser.properties.ipRanges;
    const ranges = (count: number) => Array.from({ length: count }, (_, i) => `10.0.${i}.0/24`);
    await expectAccepted({ name: freshName(), password: password(12), ipRanges: ranges(maxItems) });
    await expectRefused({ name: freshName(), password: password(12), ipRanges: ranges(maxItems + 1) }, 'ipRanges');
  });

  it('UserPatch: no fields besides the documented ones', async () => {
    const name = freshName();
    expect((await call('POST', '/users', { name, password: password(12) })).status).toBe(201);
    expect(schemas.UserPatch.additionalProperties).toBe(false);
    for (const field of Object.keys(schemas.UserPatch.properties)) expect(['enabled', 'grants', 'ipRanges', 'version']).toContain(field);
    const res = await call('PATCH', `/users/${name}`, { password: password(12) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field?: string }).field).toBe('password');
    expect((await call('PATCH', `/users/${name}`, { enabled: false, grants: { play: ['*'] }, ipRanges: [] })).status).toBe(200);
  });
});
