import { handle } from 'hono/aws-lambda';
import { loadDeps } from '../deps.js';
import { withRequestId } from '../http/with-request-id.js';
import { createAclApp } from './create-acl-app.js';

/** Lambda entry (API Gateway HTTP API v2 / function URL events); its log lines carry the request id. */
export const handler = withRequestId(handle(createAclApp(await loadDeps('acl'))));
