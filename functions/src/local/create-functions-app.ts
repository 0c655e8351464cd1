import { Hono } from 'hono';
import { createAclApp } from '../acl/create-acl-app.js';
import type { FunctionsDeps } from '../functions-deps.js';
import { createRelaysApp } from '../relays/create-relays-app.js';
import { createTokenApp } from '../token/create-token-app.js';
import { createUsersApp } from '../users/create-users-app.js';
import { jsonErrorHandler, jsonNotFound } from '../http/json-error-handlers.js';

/**
 * All three apps on one Hono app, as served locally (in AWS each is its own Lambda behind the
 * same paths). Adds `GET /healthz` and a JSON 404.
 */
export function createFunctionsApp(deps: FunctionsDeps): Hono {
  const app = new Hono();
  app.route('/', createTokenApp(deps));
  app.route('/', createAclApp(deps));
  app.route('/', createUsersApp(deps));
  app.route('/', createRelaysApp(deps));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.notFound(jsonNotFound);
  app.onError(jsonErrorHandler(undefined, deps.log));
  return app;
}
