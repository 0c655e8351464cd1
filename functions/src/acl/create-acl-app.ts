import { type Context, Hono } from 'hono';
import { canonicalStream } from '#domain/canonical-stream.js';
import { decideAcl } from '#domain/decide-acl.js';
import { ValidationError } from '#domain/errors.js';
import { ACL_MAX_BODY_BYTES, ACL_PATH, normalizeStreamName, type AclAction, type AclResponse } from '#domain/functions-contract.js';
import { validateUserName } from '#domain/validate-user-input.js';
import type { FunctionsDeps } from '../functions-deps.js';
import { bearerGuard } from '../http/bearer-guard.js';
import { errorResponse } from '../http/error-response.js';
import { jsonBodyLimit } from '../http/json-body-limit.js';
import { readJsonBody } from '../http/read-json-body.js';

function stringField(body: Record<string, unknown>, field: string, max: number, optional = false): string | undefined {
  const v = body[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw new ValidationError(field, 'invalid_type', `${field} must be a string`);
  if (v.length > max) throw new ValidationError(field, 'invalid_length', `${field} longer than ${max} characters`);
  return v;
}

function canonicalPath(app: string, stream: string): string | undefined {
  try {
    return canonicalStream(app, normalizeStreamName(stream)).path;
  } catch {
    return undefined;
  }
}

/**
 * The ingest's ACL lookup. `POST /acl` with a JSON {@link AclRequest} and
 * `authorization: Bearer <service token>` (unless `aclAuth` is `iam`) answers 200
 * {@link AclResponse}; 401 without the credential; 400 naming the bad field; 413 for a body
 * over 4 KiB; 500 when the store fails (the ingest then denies). One GetItem per call.
 */
export function createAclApp(deps: FunctionsDeps): Hono {
  const app = new Hono();
  const startedAt = new WeakMap<Context, number>();
  const log = (c: Context, fields: Record<string, unknown>) =>
    deps.log({ route: 'acl', ...fields, latencyMs: Math.round((performance.now() - (startedAt.get(c) ?? performance.now())) * 100) / 100 });

  app.onError((err, c) => {
    const { status, body, headers } = errorResponse(err);
    log(c, { decision: 'error', status, reason: body.error, ...(status === 500 ? { level: 'error', error: err.name } : {}) });
    return c.json(body, status, headers);
  });

  const serviceBearer = bearerGuard({ token: deps.serviceToken, message: 'a valid service credential is required' });
  app.post(
    ACL_PATH,
    async (c, next) => {
      startedAt.set(c, performance.now());
      await next();
    },
    (c, next) => (deps.aclAuth === 'token' ? serviceBearer(c, next) : next()),
    jsonBodyLimit(ACL_MAX_BODY_BYTES),
    async (c) => {
      const body = await readJsonBody(c);
      const user = stringField(body, 'user', 256, true);
      const action = body.action;
      if (action !== 'publish' && action !== 'play') throw new ValidationError('action', 'invalid_value', "action must be 'publish' or 'play'");
      const app = stringField(body, 'app', 256)!;
      const stream = stringField(body, 'stream', 1024)!;
      const ip = stringField(body, 'ip', 64)!;
      let validName = false;
      try {
        if (user) validName = validateUserName(user) === user;
      } catch {
        validName = false;
      }
      // A name that cannot exist is answered without a lookup (unknown_user).
      const stored = validName ? await deps.users.get(user!) : undefined;
      const decision = decideAcl(stored, { userName: user, action: action as AclAction, app, stream, ip });
      const answer: AclResponse = { allowed: decision.allowed, reason: decision.reason, ttlSeconds: deps.aclTtlSeconds };
      // decideAcl re-splits app/stream canonically itself; the log names the same canonical path.
      log(c, { user, action, app, stream, path: canonicalPath(app, stream), ip, decision: decision.allowed ? 'allow' : 'deny', reason: decision.reason });
      return c.json(answer, 200);
    },
  );

  app.all(ACL_PATH, (c) => c.json({ error: 'method_not_allowed', message: 'use POST' }, 405));
  return app;
}
