import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskProtection } from '#ingest/cluster/task-protection.js';
import { silentLogger } from '#domain/logger.js';

// A stand-in ECS agent on loopback: records what the ingest PUTs to /task-protection/v1/state.
let agent: Server;
let uri: string;
const calls: { method: string; url: string; body: unknown }[] = [];
let status = 200;

beforeAll(async () => {
  agent = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push({ method: req.method!, url: req.url!, body: JSON.parse(body) as unknown });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', () => r()));
  uri = `http://127.0.0.1:${(agent.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => agent.close(() => r())));

describe('TaskProtection (ECS scale-in protection while the task owns publishers)', () => {
  it('protects when the first stream is owned, calls nothing while that holds, unprotects when none is left', async () => {
    calls.length = 0;
    let clock = 0;
    const p = new TaskProtection(uri, silentLogger, undefined, () => clock);
    await p.sync(0);
    expect(calls).toHaveLength(0);
    await p.sync(2);
    expect(calls).toEqual([{ method: 'PUT', url: '/task-protection/v1/state', body: { ProtectionEnabled: true, ExpiresInMinutes: 60 } }]);
    clock += 60_000;
    await p.sync(3);
    expect(calls).toHaveLength(1);
    // Renewed before the 60 minutes lapse while streams are still owned.
    clock += 30 * 60_000;
    await p.sync(1);
    expect(calls).toHaveLength(2);
    await p.sync(0);
    expect(calls.at(-1)!.body).toEqual({ ProtectionEnabled: false });
    expect(p.isProtected).toBe(false);
  });

  it('keeps asking while the agent refuses', async () => {
    calls.length = 0;
    status = 500;
    const p = new TaskProtection(uri, silentLogger);
    await p.sync(1);
    await p.sync(1);
    expect(calls).toHaveLength(2);
    expect(p.isProtected).toBe(false);
    status = 200;
    await p.sync(1);
    expect(p.isProtected).toBe(true);
  });
});
