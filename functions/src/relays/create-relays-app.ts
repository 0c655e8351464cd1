import { Hono, type Context } from 'hono';
import { canonicalStream } from '#domain/canonical-stream.js';
import { decideAcl } from '#domain/decide-acl.js';
import { ValidationError } from '#domain/errors.js';
import { INGEST_RELAYS_PATH, relayView, RELAYS_PATH, validateRelayInput } from '#domain/relay.js';
import type { FunctionsDeps } from '../functions-deps.js';
import { bearerGuard } from '../http/bearer-guard.js';
import { clientIp } from '../http/client-ip.js';
import { HttpError } from '../http/http-error.js';
import { jsonBodyLimit } from '../http/json-body-limit.js';
import { readJsonBody } from '../http/read-json-body.js';
import { jsonErrorHandler } from '../http/json-error-handlers.js';

/** Largest accepted relays API body (16 URLs of 2 KiB fit). */
export const RELAYS_MAX_BODY_BYTES = 64 * 1024;

/**
 * The relays API: operators (admin bearer) `GET /relays` (URLs redacted), `POST /relays`
 * (`{stream, push: [urls]}` or `{stream, pull: url, mode}`, optional `owner`: then that user must
 * be allowed to publish the stream), `DELETE /relays/{id}`, `POST /relays/{id}/disable|enable`
 * (kept but not run / run again); the ingest (service bearer, or IAM
 * in AWS) `GET /ingest/relays` with URLs in clear. URLs are stored encrypted; a link-local
 * address is always refused, private and loopback ones unless `relayAllowPrivate`.
 */
export function createRelaysApp(deps: FunctionsDeps): Hono {
  const app = new Hono();
  const repo = () => {
    if (deps.relays === undefined) throw new HttpError(404, 'relays_unavailable', 'no relays table is configured (STREAMGATE_RELAYS_TABLE)');
    return deps.relays;
  };

  app.onError(jsonErrorHandler('relays', deps.log));

  app.use(`${RELAYS_PATH}/*`, bearerGuard({ token: deps.adminToken, message: 'a valid admin token is required', throttle: deps.adminThrottle }));
  app.use(`${RELAYS_PATH}/*`, jsonBodyLimit(RELAYS_MAX_BODY_BYTES));
  app.use(`${RELAYS_PATH}/*`, async (c: Context, next) => {
    const started = performance.now();
    await next();
    deps.log({
      route: 'relays',
      method: c.req.method,
      path: c.req.path,
      ip: clientIp(c),
      status: c.res.status,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  app.get(RELAYS_PATH, async (c) => c.json({ relays: (await repo().list()).map(relayView) }));

  app.post(RELAYS_PATH, async (c) => {
    const input = validateRelayInput(await readJsonBody(c), deps.relayAllowPrivate);
    if (input.owner !== undefined) {
      // A user may only attach relays to streams they may publish (a pattern must be covered whole).
      const user = await deps.users.get(input.owner);
      const id = canonicalStream(input.stream);
      const decision = decideAcl(user && { ...user, ipRanges: [] }, { userName: input.owner, action: 'publish', app: id.app, stream: id.stream, ip: '' });
      if (!decision.allowed) {
        throw new ValidationError('stream', 'not_publishable', `${input.owner} may not publish ${input.stream} (${decision.reason})`);
      }
    }
    const relay = await repo().create(input);
    return c.json(relayView(relay), 201);
  });

  app.delete(`${RELAYS_PATH}/:id`, async (c) => {
    const id = c.req.param('id');
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id) || !(await repo().delete(id))) {
      return c.json({ error: 'relay_not_found', message: `no relay ${id.slice(0, 64)}` }, 404);
    }
    return c.body(null, 204);
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(`${RELAYS_PATH}/:id/${action}`, async (c) => {
      const id = c.req.param('id');
      const relay = /^[A-Za-z0-9-]{1,64}$/.test(id) ? await repo().setEnabled(id, enabled) : undefined;
      if (relay === undefined) return c.json({ error: 'relay_not_found', message: `no relay ${id.slice(0, 64)}` }, 404);
      return c.json(relayView(relay));
    });
  }

  const ingestGuard = bearerGuard({ token: deps.serviceToken, message: 'the service token is required' });
  app.get(
    INGEST_RELAYS_PATH,
    (c, next) => (deps.aclAuth === 'token' ? ingestGuard(c, next) : next()),
    async (c) => {
      // A relay turned off is not handed out: the ingest stops it as if it had been removed.
      const relays = (await repo().list()).filter((r) => r.enabled !== false);
      return c.json({
        relays: relays.map(({ id, stream, push, pull, mode }) => ({ id, stream, ...(push && { push }), ...(pull !== undefined && { pull, mode }) })),
      });
    },
  );

  return app;
}
