import { handle } from 'hono/aws-lambda';
import { loadDeps } from '../deps.js';
import { createAclApp } from './create-acl-app.js';

/** Lambda entry (API Gateway HTTP API v2 / function URL events). */
export const handler = handle(createAclApp(await loadDeps('acl')));
