import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { loadDeps } from '../deps.js';
import { withRequestId } from '../http/with-request-id.js';
import { createRelaysApp } from '../relays/create-relays-app.js';
import { createUsersApp } from './create-users-app.js';

const deps = await loadDeps('users');
const app = new Hono();
app.route('/', createUsersApp(deps));
app.route('/', createRelaysApp(deps));

/** Lambda entry (API Gateway HTTP API v2 / function URL events): the users and relays routes; its log lines carry the request id. */
export const handler = withRequestId(handle(app));
