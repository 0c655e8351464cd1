import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '#test/support/ingest-harness.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { sleep } from '#test/support/wait.js';

let running: TestIngest | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await running?.close();
  running = undefined;
});

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

function hold(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s)).once('error', reject);
    sockets.push(s);
  });
}

describe('health listener (STREAMGATE_HEALTH_PORT)', () => {
  it('serves /healthz and /metrics on its own port and takes /metrics off the viewers’ HTTP port', async () => {
    running = await startTestIngest({ STREAMGATE_HEALTH_PORT: '0' });
    const { health, http } = running.ingest.ports;
    expect(health).toBeGreaterThan(0);
    expect(await get(health, '/healthz')).toEqual({ status: 200, body: '{"status":"ok"}' });
    const metrics = await get(health, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('streamgate_connections_total');
    expect((await get(http, '/metrics')).status).toBe(404);
    expect((await get(health, '/other')).status).toBe(404);
  });

  it('keeps /metrics on the HTTP port when no health port is set', async () => {
    running = await startTestIngest();
    expect(running.ingest.ports.health).toBeUndefined();
    expect((await get(running.ingest.ports.http, '/metrics')).status).toBe(200);
  });

  it('answers while the viewers’ HTTP listener is at its connection limit', async () => {
    running = await startTestIngest({ STREAMGATE_HEALTH_PORT: '0', STREAMGATE_MAX_CONNECTIONS: '2' });
    const { health, http } = running.ingest.ports;
    await hold(http);
    await hold(http);
    // The HTTP listener refuses a third connection (node closes sockets past maxConnections).
    await expect(get(http, '/healthz')).rejects.toThrow();
    expect((await get(health, '/healthz')).status).toBe(200);
  });

  it('reports 503 while draining and keeps answering through the drain', async () => {
    running = await startTestIngest({ STREAMGATE_HEALTH_PORT: '0' });
    const { health } = running.ingest.ports;
    // A publisher keeps the drain going (it ends at once when nothing is live).
    const publisher = new RtmpTestClient();
    await publisher.connect(running.rtmpUrl('live'));
    expect((await publisher.publish('drain')).code).toBe('NetStream.Publish.Start');
    const drained = running.ingest.drain(1);
    await sleep(200);
    expect(await get(health, '/healthz')).toEqual({ status: 503, body: '{"status":"draining"}' });
    await drained;
  });
});
