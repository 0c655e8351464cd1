import { afterEach, describe, expect, it } from 'vitest';
import { probePackets, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest } from '../support/ingest-harness.js';
import { startLocalStackForTest } from '../support/local-stack-harness.js';
import { waitFor } from '../support/wait.js';
import { runCliInProcess as cli } from '../support/cli-runner.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


describe('managed relays (functions API + CLI + ingest poll)', () => {
  it('`relays add` makes the running ingest push within seconds, `relays remove` stops it; the stream key never shows; an owner cannot relay a stream they may not publish', async () => {
    const stack = await startLocalStackForTest({
      env: { STREAMGATE_RELAY_POLL_SECONDS: '1', STREAMGATE_RELAY_ALLOW_PRIVATE: 'on' },
      users: [{ name: 'alice', password: 'al1ce-pass', publish: ['live/alice-*'] }],
    });
    cleanups.push(() => stack.close());
    const far = await startTestIngest();
    cleanups.push(() => far.close());
    const api = ['--api', stack.functions.url, '--admin-token', stack.functions.adminToken];
    const target = `rtmp://127.0.0.1:${far.ingest.ports.rtmp}/live/copy-SECRETKEY`;
    const added = await cli(['relays', 'add', '--stream', 'live/alice-cam', '--push', target, '--owner', 'alice', ...api]);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/^added r-[0-9a-f]+ {2}live\/alice-cam {2}push → rtmp:\/\/127\.0\.0\.1:\d+\/live\/\*\*\*/);
    const id = /added (r-[0-9a-f]+)/.exec(added.out)![1];
    const denied = await cli(['relays', 'add', '--stream', 'live/bob-cam', '--push', target, '--owner', 'alice', ...api]);
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('error: not_publishable (stream)');

    const pub = publishTestPattern(stack.rtmpUrl('live?user=alice&pass=al1ce-pass/alice-cam'), { seconds: 30, gop: 25 });
    cleanups.push(() => void pub.kill('SIGKILL'));
    await waitFor(() => far.ingest.hub.isLive('live/copy-secretkey') || far.ingest.hub.isLive('live/copy-SECRETKEY'), 15_000, 'the relay on the far side');
    const farPath = far.ingest.hub.isLive('live/copy-secretkey') ? 'live/copy-secretkey' : 'live/copy-SECRETKEY';
    const probe = await probePackets(far.rtmpUrl(farPath), 1.5);
    expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));

    const listed = await cli(['relays', 'list', ...api]);
    expect(listed.out).toContain(id);
    const admin = stack.ingest.relays.statuses();
    expect(admin).toEqual([expect.objectContaining({ relay: id, state: 'live', stream: 'live/alice-cam' })]);

    // Turned off, the relay is kept but the ingest stops it; turned on, it pushes again.
    const disabled = await cli(['relays', 'disable', id, ...api]);
    expect(disabled.out).toMatch(/^disabled r-[0-9a-f]+ .*\(disabled\)$/);
    await waitFor(() => !far.ingest.hub.isLive(farPath), 5000, 'the relay stopped after disable');
    expect((await cli(['relays', 'list', ...api])).out).toContain('(disabled)');
    expect((await cli(['relays', 'enable', id, ...api])).code).toBe(0);
    await waitFor(() => far.ingest.hub.isLive(farPath), 10_000, 'the relay pushing again after enable');

    const removed = await cli(['relays', 'remove', id, ...api]);
    expect(removed.code, removed.err).toBe(0);
    const t0 = Date.now();
    await waitFor(() => !far.ingest.hub.isLive(farPath), 5000, 'the relay stopped after remove');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(stack.ingest.relays.statuses()).toEqual([]);
    for (const text of [added.out, listed.out, stack.allLogText(), JSON.stringify(stack.functionsLogs)]) expect(text).not.toContain('SECRETKEY');
  }, 60_000);
});
