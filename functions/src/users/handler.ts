import { handle } from 'hono/aws-lambda';
import { loadDeps } from '../deps.js';
import { createUsersApp } from './create-users-app.js';

/** Lambda entry (API Gateway HTTP API v2 / function URL events). */
export const handler = handle(createUsersApp(await loadDeps('users')));
