import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAclApp } from '#functions/acl/create-acl-app.js';
import { jsonLineLogTo } from '#functions/http/log-fn.js';
import { withRequestId } from '#functions/http/with-request-id.js';
import { apiGatewayEvent, lambdaContext, type LambdaHandler } from '../support/api-gateway-event.js';
import { SERVICE_TOKEN, startTestDeps } from '../support/test-deps.js';

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
beforeAll(async () => {
  ctx = await startTestDeps();
});
afterAll(() => ctx.close());

describe('the functions’ log lines in Lambda', () => {
  it('carry the request id, coldStart true on the first invocation and false after, through the shared logger', async () => {
    const lines: string[] = [];
    const handler = withRequestId(handle(createAclApp({ ...ctx.deps, log: jsonLineLogTo((l) => lines.push(l)) }))) as unknown as LambdaHandler;
    const body = JSON.stringify({ user: 'nobody', action: 'publish', app: 'live', stream: 'cam', ip: '198.51.100.7' });
    for (const id of ['req-cold-1', 'req-warm-2']) {
      await handler(apiGatewayEvent('POST', '/acl', { headers: { authorization: `Bearer ${SERVICE_TOKEN}` }, body }), { ...lambdaContext, awsRequestId: id });
    }
    await handler(apiGatewayEvent('POST', '/acl', { body }), { ...lambdaContext, awsRequestId: 'req-warm-3' });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ level: 'info', event: 'acl', route: 'acl', requestId: 'req-cold-1', coldStart: true, decision: 'deny' });
    expect(records[1]).toMatchObject({ requestId: 'req-warm-2', coldStart: false });
    expect(records[2]).toMatchObject({ requestId: 'req-warm-3', coldStart: false, decision: 'error', status: 401 });
    for (const l of lines) expect(l).not.toContain(SERVICE_TOKEN);
  });

  it('says error level when the event asks for it, and carries no invocation outside Lambda', () => {
    const lines: string[] = [];
    jsonLineLogTo((l) => lines.push(l))({ route: 'token', level: 'error', error: 'ResourceNotFoundException' });
    const r = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(r).toMatchObject({ level: 'error', event: 'token', route: 'token', error: 'ResourceNotFoundException' });
    expect(r).not.toHaveProperty('requestId');
    expect(r).not.toHaveProperty('coldStart');
  });
});
