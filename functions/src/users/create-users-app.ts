import { Hono, type Context } from 'hono';
import { UserNotFoundError, ValidationError, VersionConflictError } from '#domain/errors.js';
import { OPENAPI_PATH, USERS_PATH } from '#domain/functions-contract.js';
import type { User, UserGrants } from '#domain/user.js';
import { validateBoolean, validateGrants, validateIpRanges, validatePassword, validateUserName } from '#domain/validate-user-input.js';
import type { FunctionsDeps } from '../functions-deps.js';
import { bearerGuard } from '../http/bearer-guard.js';
import { clientIp } from '../http/client-ip.js';
import { jsonBodyLimit } from '../http/json-body-limit.js';
import { readJsonBody } from '../http/read-json-body.js';
import { openApiDocument } from './openapi-document.js';
import { jsonErrorHandler, jsonNotFound } from '../http/json-error-handlers.js';

/** Largest accepted users API body (100 patterns × 2 lists × 128 chars fit). */
export const USERS_MAX_BODY_BYTES = 64 * 1024;
const LIST_LIMIT_DEFAULT = 50;
const LIST_LIMIT_MAX = 100;
const GRANT_RETRIES = 5;

function rejectUnknownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new ValidationError(key, 'unknown_field', `unknown field ${key}`);
  }
}

function optionalVersion(body: Record<string, unknown>): number | undefined {
  if (body.version === undefined) return undefined;
  if (!Number.isInteger(body.version) || (body.version as number) < 1)
    throw new ValidationError('version', 'invalid_type', 'version must be a positive integer');
  return body.version as number;
}

function mergeGrants(current: UserGrants, add: UserGrants): UserGrants {
  const merge = (a: string[], b: string[]) => {
    const seen = new Set(a.map((p) => p.toLowerCase()));
    return [...a, ...b.filter((p) => !seen.has(p.toLowerCase()) && seen.add(p.toLowerCase()))];
  };
  return { publish: merge(current.publish, add.publish), play: merge(current.play, add.play) };
}

/** Removes patterns; one the user was never granted is an error (nothing is changed then). */
function removeGrants(user: User, remove: UserGrants): UserGrants {
  const drop = (list: 'publish' | 'play') => {
    const held = new Set(user.grants[list].map((p) => p.toLowerCase()));
    remove[list].forEach((p, i) => {
      if (!held.has(p.toLowerCase())) {
        const has = user.grants[list].join(', ') || 'none';
        throw new ValidationError(`${list}[${i}]`, 'not_granted', `${user.name} has no ${list} grant ${p} (${list} grants: ${has}); nothing was changed`);
      }
    });
    const gone = new Set(remove[list].map((p) => p.toLowerCase()));
    return user.grants[list].filter((p) => !gone.has(p.toLowerCase()));
  };
  return { publish: drop('publish'), play: drop('play') };
}

/**
 * The operators' users API (bearer admin token on every `/users` route):
 * `GET /users?limit&cursor`, `POST /users`, `GET|PATCH|DELETE /users/{name}`,
 * `PUT /users/{name}/password`, `POST /users/{name}/enable|disable`,
 * `POST /users/{name}/grants` (add), `POST /users/{name}/grants/revoke` (remove), and the
 * public `GET /openapi.json`. Errors are JSON `{error, message, field?}`: 400 naming the field,
 * 401 (with `WWW-Authenticate`), 404, 409 (exists / stale version), 413, 429 (a source that sent
 * too many wrong admin tokens). Passwords are write-only. A PATCH changes only what it names.
 */
export function createUsersApp(deps: FunctionsDeps): Hono {
  const app = new Hono();
  const { users } = deps;

  const nameParam = (c: Context) => validateUserName(c.req.param('name'), 'name');
  const body = (c: Context) => readJsonBody(c);

  /** Read-modify-write with optimistic retries, for operations that carry no client version. */
  const modify = async (name: string, change: (u: User) => Parameters<typeof users.update>[1], expected?: number): Promise<User> => {
    for (let attempt = 0; ; attempt++) {
      const current = await users.get(name);
      if (!current) throw new UserNotFoundError(name);
      if (expected !== undefined && current.version !== expected) throw new VersionConflictError(name, expected);
      try {
        return await users.update(name, change(current), current.version);
      } catch (err) {
        if (!(err instanceof VersionConflictError) || expected !== undefined || attempt >= GRANT_RETRIES) throw err;
      }
    }
  };

  app.onError(jsonErrorHandler('users', deps.log));

  // One log line per request: route, method, source, the user acted on, outcome, latency.
  const logRequest = async (c: Context, next: () => Promise<void>) => {
    const started = performance.now();
    await next();
    deps.log({
      route: 'users',
      method: c.req.method,
      path: c.req.path,
      ip: clientIp(c),
      user: /^\/users\/([A-Za-z0-9._-]{1,64})(?:\/|$)/.exec(c.req.path)?.[1],
      status: c.res.status,
      decision: c.res.status < 400 ? 'ok' : 'error',
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    });
  };
  // Scoped to our paths: mounted beside the other apps on one server, `*` would catch theirs.
  app.use(`${USERS_PATH}/*`, logRequest);

  app.get(OPENAPI_PATH, (c) => c.json(openApiDocument));

  // Hono's `/users/*` also matches `/users` itself. A source that sent too many wrong tokens
  // gets 429 until its window ends, even with the right one: a guesser learns nothing more.
  app.use(`${USERS_PATH}/*`, bearerGuard({ token: deps.adminToken, message: 'a valid admin token is required', throttle: deps.adminThrottle }));
  app.use(`${USERS_PATH}/*`, jsonBodyLimit(USERS_MAX_BODY_BYTES));

  app.get(USERS_PATH, async (c) => {
    const limitText = c.req.query('limit');
    let limit = LIST_LIMIT_DEFAULT;
    if (limitText !== undefined) {
      if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > LIST_LIMIT_MAX) {
        throw new ValidationError('limit', 'invalid_value', `limit must be an integer 1–${LIST_LIMIT_MAX}`);
      }
      limit = Number(limitText);
    }
    const page = await users.list({ limit, cursor: c.req.query('cursor') });
    return c.json(page);
  });

  // After a new password key became current: one page of users re-encrypted per call (bounded
  // Lambda time); the CLI repeats with `nextCursor`. Answers names and counts, never passwords.
  app.post(`${USERS_PATH}/re-encrypt`, async (c) => {
    const limitText = c.req.query('limit') ?? String(LIST_LIMIT_MAX);
    if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > LIST_LIMIT_MAX) {
      throw new ValidationError('limit', 'invalid_value', `limit must be an integer 1–${LIST_LIMIT_MAX}`);
    }
    return c.json(await users.reEncryptPasswords({ limit: Number(limitText), cursor: c.req.query('cursor') }));
  });

  app.post(USERS_PATH, async (c) => {
    const b = await body(c);
    rejectUnknownFields(b, ['name', 'password', 'enabled', 'grants', 'ipRanges']);
    const name = validateUserName(b.name, 'name');
    const user = await users.create({
      name,
      password: validatePassword(b.password, deps.passwordMinLength, 'password', name),
      enabled: b.enabled === undefined ? true : validateBoolean(b.enabled, 'enabled'),
      grants: validateGrants(b.grants, 'grants'),
      ipRanges: b.ipRanges === undefined ? [] : validateIpRanges(b.ipRanges, 'ipRanges'),
    });
    return c.json(user, 201);
  });

  app.get(`${USERS_PATH}/:name`, async (c) => {
    const name = nameParam(c);
    const user = await users.get(name);
    if (!user) throw new UserNotFoundError(name);
    return c.json(user);
  });

  app.patch(`${USERS_PATH}/:name`, async (c) => {
    const name = nameParam(c);
    const b = await body(c);
    rejectUnknownFields(b, ['enabled', 'grants', 'ipRanges', 'version']);
    const expected = optionalVersion(b);
    const grants = b.grants === undefined ? undefined : validateGrants(b.grants, 'grants');
    const given = (b.grants ?? {}) as Partial<Record<keyof UserGrants, unknown>>;
    const enabled = b.enabled === undefined ? undefined : validateBoolean(b.enabled, 'enabled');
    const ipRanges = b.ipRanges === undefined ? undefined : validateIpRanges(b.ipRanges, 'ipRanges');
    if (enabled === undefined && (grants === undefined || (given.publish === undefined && given.play === undefined)) && ipRanges === undefined) {
      throw new ValidationError('body', 'nothing_to_change', 'give enabled, grants.publish, grants.play and/or ipRanges');
    }
    // Each field given replaces that field only; in grants each list given replaces that list
    // only: a list left out keeps what the user has.
    return c.json(
      await modify(
        name,
        (u) => ({
          enabled,
          ipRanges,
          grants: grants && {
            publish: given.publish === undefined ? u.grants.publish : grants.publish,
            play: given.play === undefined ? u.grants.play : grants.play,
          },
        }),
        expected,
      ),
    );
  });

  app.delete(`${USERS_PATH}/:name`, async (c) => {
    await users.delete(nameParam(c));
    return c.body(null, 204);
  });

  app.put(`${USERS_PATH}/:name/password`, async (c) => {
    const name = nameParam(c);
    const b = await body(c);
    rejectUnknownFields(b, ['password', 'version']);
    const expected = optionalVersion(b);
    const password = validatePassword(b.password, deps.passwordMinLength, 'password', name);
    const user = await modify(name, () => ({ password }), expected);
    return c.json(user);
  });

  for (const [path, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(`${USERS_PATH}/:name/${path}`, async (c) => c.json(await modify(nameParam(c), () => ({ enabled }))));
  }

  app.post(`${USERS_PATH}/:name/grants`, async (c) => {
    const name = nameParam(c);
    const add = validateGrants(await body(c), 'grants');
    return c.json(await modify(name, (u) => ({ grants: validateGrants(mergeGrants(u.grants, add), 'grants') })));
  });

  app.post(`${USERS_PATH}/:name/grants/revoke`, async (c) => {
    const name = nameParam(c);
    const remove = validateGrants(await body(c), 'grants');
    return c.json(await modify(name, (u) => ({ grants: removeGrants(u, remove) })));
  });

  const notAllowed = (c: Context) => c.json({ error: 'method_not_allowed', message: `${c.req.method} is not allowed here` }, 405);
  for (const path of [
    USERS_PATH,
    `${USERS_PATH}/:name`,
    `${USERS_PATH}/:name/password`,
    `${USERS_PATH}/:name/enable`,
    `${USERS_PATH}/:name/disable`,
    `${USERS_PATH}/:name/grants`,
    `${USERS_PATH}/:name/grants/revoke`,
    OPENAPI_PATH,
  ]) {
    app.all(path, notAllowed);
  }
  app.notFound(jsonNotFound);
  return app;
}
