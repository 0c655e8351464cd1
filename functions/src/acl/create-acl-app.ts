import { Hono } from 'hono';
import { canonicalStream } from '#domain/canonical-stream.js';
import { decideAcl } from '#domain/decide-acl.js';
import { ValidationError } from '#domain/errors.js';
import { ACL_MAX_BODY_BYTES, ACL_PATH, normalizeStreamName, type AclAction, type AclResponse } from '#domain/functions-contract.js';
import { validateUserName } from '#domain/validate-user-input.js';
import type { FunctionsDeps } from '../functions-deps.js';
import { bearerMatches } from '../http/bearer-matches.js';
import { errorResponse } from '../http/error-response.js';
import { HttpError } from '../http/http-error.js';
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

  app.post(ACL_PATH, async (c) => {
    const started = performance.now();
    const log = (fields: Record<string, unknown>) =>
      deps.log({ route: 'acl', ...fields, latencyMs: Math.round((performance.now() - started) * 100) / 100 });
    try {
      if (deps.aclAuth === 'token' && !bearerMatches(c.req.header('authorization'), deps.serviceToken)) {
        throw new HttpError(401, 'unauthorized', 'a valid service credential is required');
      }
      const body = await readJsonBody(c, ACL_MAX_BODY_BYTES);
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
      log({ user, action, app, stream, path: canonicalPath(app, stream), ip, decision: decision.allowed ? 'allow' : 'deny', reason: decision.reason });
      return c.json(answer, 200);
    } catch (err) {
      const { status, body, headers } = errorResponse(err);
      log({ decision: 'error', status, reason: body.error, ...(status === 500 ? { level: 'error', error: (err as Error).name } : {}) });
      return c.json(body, status, headers);
    }
  });

  app.all(ACL_PATH, (c) => c.json({ error: 'method_not_allowed', message: 'use POST' }, 405));
  return app;
}
