import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { sleep } from '../support/wait.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

describe('RTMPS on its own listener with real ffmpeg and a self-signed certificate', () => {
  const t = useTestIngest({
    STREAMGATE_LOG_LEVEL: 'info',
    STREAMGATE_TLS_CERT: fixture('localhost-cert.pem'),
    STREAMGATE_TLS_KEY: fixture('localhost-key.pem'),
  });
  const rtmps = (path: string): string => `rtmps://127.0.0.1:${t.ingest.ports.rtmps}/${path}`;

  it('takes an ffmpeg rtmps:// publish (no verification flag needed: ffmpeg does not verify by default) and plays it over rtmps://', async () => {
    const publisher = publishTestPattern(rtmps('live/secure'), { seconds: 6 });
    try {
      const until = Date.now() + 10_000;
      while (!t.ingest.hub.isLive('live/secure')) {
        if (Date.now() > until) throw new Error(`not live; ffmpeg said: ${(publisher as unknown as { errorText(): string }).errorText()}`);
        await sleep(25);
      }
      expect(t.ingest.hub.streamInfo('live/secure')!.publisher!.protocol).toBe('rtmps');
      const r = await playAndCount(rtmps('live/secure'), { frames: 40, timeoutMs: 15_000 });
      expect(r.stderr).toBe('');
      expect(r.videoFrames).toBe(40);
      expect(await exited(publisher)).toBe(0);
    } finally {
      publisher.kill('SIGKILL');
    }
  });

  it('drops a peer that speaks plain RTMP to the TLS port without disturbing the listener', async () => {
    const r = await playAndCount(`rtmp://127.0.0.1:${t.ingest.ports.rtmps}/live/secure`, { frames: 1, timeoutMs: 5000 });
    expect(r.videoFrames).toBe(0);
    expect(r.code).not.toBe(0);
    expect(t.logs.some((l) => l.event === 'rtmps.tls-error')).toBe(true);
  });
});
