/**
 * The admin line protocol on loopback (1112): its sockets time out, and kick, dropStream and
 * shutdown need the admin token there too (any local process or user could otherwise end every
 * stream or the server). On the code before this, an idle admin socket stayed open for good and
 * `shutdown` without a token drained the server.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';

const TOKEN = 'admin-token-of-this-test';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('admin line protocol on loopback', () => {
  let t: TestIngest;
  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_ADMIN_TOKEN: TOKEN, STREAMGATE_IDLE_TIMEOUT_MS: '400', STREAMGATE_DRAIN_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  /** Sends lines; resolves with the parsed answers once `n` came. */
  function ask(lines: string[], n = lines.length): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      const s = net.connect(t.ingest.ports.admin!, '127.0.0.1');
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString();
        const got = buf.split('\n').filter((l) => l !== '');
        if (got.length >= n) {
          s.destroy();
          resolve(got.map((l) => JSON.parse(l) as Record<string, unknown>));
        }
      });
      s.on('error', reject);
      s.write(lines.map((l) => `${l}\n`).join(''));
    });
  }

  it('closes an admin socket that sends nothing', async () => {
    const s = net.connect(t.ingest.ports.admin!, '127.0.0.1');
    s.on('error', () => undefined);
    const started = Date.now();
    const closed = await Promise.race([new Promise<boolean>((r) => s.on('close', () => r(true))), sleep(3000).then(() => false)]);
    s.destroy();
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('refuses kick, dropStream and shutdown without the token; lists stay open', async () => {
    const answers = await ask(['listConnections', 'kick connectionId=c1', 'dropStream stream=live/x', 'shutdown', `shutdown token=wrong-${TOKEN}`]);
    expect(answers.map((a) => a.code ?? a.status)).toEqual(['SUCCESS', 'ADMIN_UNAUTHORIZED', 'ADMIN_UNAUTHORIZED', 'ADMIN_UNAUTHORIZED', 'ADMIN_UNAUTHORIZED']);
    await sleep(300);
    expect(t.ingest.context.state.draining).toBe(false);
  });

  it('takes them with the token', async () => {
    const [kick] = await ask([`kick connectionId=c999999 token=${TOKEN}`]);
    expect(kick!.code).toBe('ADMIN_NOT_FOUND');
  });
});
