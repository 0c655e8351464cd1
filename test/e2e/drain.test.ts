import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest } from '../support/ingest-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { freeListenerPorts } from '../support/free-listener-ports.js';
import { freePort, sleep, waitFor } from '../support/wait.js';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function health(port: number): Promise<number | undefined> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })).status;
  } catch {
    return undefined;
  }
}

describe('graceful drain', () => {
  it('reports draining on /healthz, stops accepting RTMP, lets media flow, then ends players with UnpublishNotify', async () => {
    const t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info' });
    const publisher = publishTestPattern(t.rtmpUrl('live/d'));
    try {
      await waitFor(() => t.ingest.hub.isLive('live/d'), 10_000, 'the publisher', 50);
      const player = new RtmpTestClient();
      await player.connect(t.rtmpUrl('live'));
      await player.play('d');
      const scripted = new RtmpTestClient();
      await scripted.connect(t.rtmpUrl('live'));
      expect((await scripted.publish('scripted')).code).toBe('NetStream.Publish.Start');
      const started = Date.now();
      const drained = t.ingest.drain(1.5);
      await sleep(200);
      expect(await health(t.ingest.ports.http!)).toBe(503);
      expect(await accepts(t.ingest.ports.rtmp!)).toBe(false);
      // Still live while draining: the player keeps receiving video.
      await player.nextMessage((m) => m.kind === 'media' && m.typeId === 9, 2000);
      await drained;
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(3000);
      const notify = await player.nextCommand((m) => m.code === 'NetStream.Play.UnpublishNotify', 2000);
      expect(notify.name).toBe('onStatus');
      expect((await scripted.nextCommand((m) => m.code === 'NetStream.Unpublish.Success', 2000)).name).toBe('onStatus');
      expect(await Promise.race([exited(publisher), sleep(5000).then(() => 'running')])).not.toBe('running');
      await waitFor(() => t.ingest.registry.size === 0, 1000, 'every connection to be closed', 50);
      expect(t.logs.some((l) => l.event === 'ingest.drained')).toBe(true);
    } finally {
      publisher.kill('SIGKILL');
      await t.close();
    }
  });

  it('resolves at once when nothing is publishing or playing', async () => {
    const t = await startTestIngest();
    const started = Date.now();
    await t.ingest.drain(30);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  describe('`streamgate start` on SIGTERM', () => {
    const data = mkdtempSync(join(tmpdir(), 'streamgate-drain-'));
    afterAll(() => rmSync(data, { recursive: true, force: true }));

    it('answers 503 on /healthz while it drains its publisher, then exits 0', async () => {
      const [listeners, functions] = await Promise.all([freeListenerPorts(), freePort()]);
      const { http, rtmp } = listeners.ports;
      const cli = fileURLToPath(new URL('../../bin/streamgate.js', import.meta.url));
      const child: ChildProcess = spawn(process.execPath, [cli, 'start'], {
        env: {
          ...process.env,
          STREAMGATE_AUTH: 'off',
          ...listeners.env,
          STREAMGATE_DATA_DIR: data,
          STREAMGATE_FUNCTIONS_PORT: String(functions),
          STREAMGATE_DRAIN_SECONDS: '2',
          STREAMGATE_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const exit = exited(child);
      let publisher: ChildProcess | undefined;
      try {
        await waitFor(async () => (await health(http)) === 200, 20_000, `the stack to answer /healthz:\n${output}`, 50);
        expect(output).toContain(`http://127.0.0.1:${http}/live/STREAM.flv`);
        publisher = publishTestPattern(`rtmp://127.0.0.1:${rtmp}/live/sigterm`);
        const flvStatus = async () => (await fetch(`http://127.0.0.1:${http}/live/sigterm.flv`, { method: 'HEAD' })).status;
        await waitFor(async () => (await flvStatus()) === 200, 10_000, 'the publisher to go live', 50);
        const sent = Date.now();
        child.kill('SIGTERM');
        await sleep(300);
        expect(await health(http)).toBe(503);
        // The publisher is left to finish until the drain time is up, then closed.
        expect(publisher.exitCode).toBeNull();
        expect(await exit, output).toBe(0);
        const took = Date.now() - sent;
        expect(took).toBeGreaterThanOrEqual(1900);
        expect(took).toBeLessThan(6000);
        expect(await Promise.race([exited(publisher), sleep(5000).then(() => 'running')])).not.toBe('running');
      } finally {
        publisher?.kill('SIGKILL');
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }, 40_000);
  });
});
