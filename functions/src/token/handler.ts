import { handle } from 'hono/aws-lambda';
import { loadDeps } from '../deps.js';
import { createTokenApp } from './create-token-app.js';

/** Lambda entry (API Gateway HTTP API v2 / function URL events). */
export const handler = handle(createTokenApp(await loadDeps('token')));
