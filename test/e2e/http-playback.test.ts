
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessControl } from '#ingest/auth/create-access-control.js';
import { loadConfig } from '#ingest/config.js';
import { createLogger } from '#domain/logger.js';
import { withAuthMetrics } from '#ingest/metrics/metrics-auth-log.js';
import { createMetricsSetup } from '#ingest/metrics/metrics-setup.js';
import { playAndCount } from '../support/ffmpeg-runs.js';
import { useLiveTestIngest } from '../support/use-live-test-ingest.js';
import { sleep, waitFor } from '../support/wait.js';

type Sample = { name: string; labels: Record<string, string>; value: number };

/**
 * Parses the Prometheus text format (0.0.4) strictly enough to fail on malformed output: every
 * line is a HELP/TYPE comment or `name{labels} value`, every sample belongs to a declared family.
 */
function parsePrometheus(text: string): Sample[] {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram']).toContain(meta[3]);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/.exec(line);
    expect(m, `bad exposition line: ${line}`).not.toBeNull();
    const name = m![1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name) || types.get(family) === 'histogram', `sample without TYPE: ${line}`).toBe(true);
    const labels = Object.fromEntries([...(m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    samples.push({ name, labels, value: Number(m![3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('HTTP playback of an RTMP-published stream with real ffmpeg', () => {
  const t = useLiveTestIngest('live/show', { STREAMGATE_LOG_LEVEL: 'info' }, () => {
    const config = loadConfig({ STREAMGATE_AUTH: 'off' });
    const metrics = createMetricsSetup();
    const access = createAccessControl(config, withAuthMetrics(createLogger('error'), metrics.ingest));
    return { access, metrics, hls: { idleMs: 1500 } };
  });
  let base: string;
  beforeAll(() => {
    base = `http://127.0.0.1:${t.ingest.ports.http}`;
  });

  it('streams chunked HTTP-FLV with CORS that ffmpeg decodes, starting from the GOP cache', async () => {
    const res = await fetch(`${base}/live/show.flv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const reader = res.body!.getReader();
    const first = (await reader.read()).value!;
    expect(Buffer.from(first.subarray(0, 3)).toString('latin1')).toBe('FLV');
    await reader.cancel();
    const r = await playAndCount(`${base}/live/show.flv`, { frames: 50, timeoutMs: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.videoFrames).toBe(50);
    expect(r.firstFrameMs!).toBeLessThan(2000);
  });

  it('serves an HLS playlist and segments with CORS that ffmpeg decodes', async () => {
    const res = await fetch(`${base}/live/show/index.m3u8`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const playlist = await res.text();
    expect(playlist).toMatch(/^#EXTM3U\n/);
    const segment = /^(\d+\.ts)$/m.exec(playlist)![1];
    const seg = await fetch(`${base}/live/show/${segment}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    expect(Buffer.from(await seg.arrayBuffer())[0]).toBe(0x47);
    // Conditional requests: the ETag of the answer gets a 304 without a body, for both kinds.
    for (const [url, etag] of [[`${base}/live/show/${segment}`, seg.headers.get('etag')], [`${base}/live/show/index.m3u8`, res.headers.get('etag')]] as const) {
      expect(etag).toMatch(/^"[^"]+"$/);
      const again = await fetch(url, { headers: { 'If-None-Match': etag! } });
      // the playlist may have moved on by a segment meanwhile: then a 200 with a new ETag
      if (again.status === 200) expect(again.headers.get('etag')).not.toBe(etag);
      else expect([again.status, again.headers.get('etag'), (await again.arrayBuffer()).byteLength]).toEqual([304, etag, 0]);
    }
    const r = await playAndCount(`${base}/live/show/index.m3u8`, { frames: 50, timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.videoFrames).toBe(50);
  });

  it('stops producing HLS once nobody has asked for it for the idle time', async () => {
    await fetch(`${base}/live/show/index.m3u8`);
    expect(t.ingest.hub.streamInfo('live/show')!.readersByProtocol.hls).toBe(1);
    await waitFor(() => t.ingest.hub.streamInfo('live/show')!.readersByProtocol.hls === undefined, 8000, 'the HLS output to stop');
    expect(t.logs.some((l) => l.event === 'hls.stop' && l.reason === 'idle')).toBe(true);
  });

  it('answers OPTIONS preflight, the player page and /healthz', async () => {
    const pre = await fetch(`${base}/live/show/index.m3u8`, { method: 'OPTIONS' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<video');
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('exposes /metrics as Prometheus text whose counters move with traffic', async () => {
    const scrape = async () => parsePrometheus(await (await fetch(`${base}/metrics`)).text());
    const before = await scrape();
    expect(value(before, 'streamgate_live_streams')).toBe(1);
    expect(value(before, 'streamgate_auth_decisions_total', { action: 'connect', result: 'allowed' })).toBeGreaterThanOrEqual(1);
    expect(value(before, 'streamgate_auth_seconds_count', { action: 'connect' })).toBeGreaterThanOrEqual(1);
    const flv = await fetch(`${base}/live/show.flv`);
    const reader = flv.body!.getReader();
    await reader.read();
    await sleep(600);
    const during = await scrape();
    expect(value(during, 'streamgate_players', { protocol: 'http-flv' })).toBe(1);
    await reader.cancel();
    const r = await playAndCount(t.rtmpUrl('live/show'), { frames: 10, timeoutMs: 10_000 });
    expect(r.videoFrames).toBe(10);
    const after = await scrape();
    expect(value(after, 'streamgate_received_bytes_total', { protocol: 'rtmp' })).toBeGreaterThan(
      value(before, 'streamgate_received_bytes_total', { protocol: 'rtmp' }),
    );
    expect(value(after, 'streamgate_sent_bytes_total', { protocol: 'http' })).toBeGreaterThan(
      value(before, 'streamgate_sent_bytes_total', { protocol: 'http' }),
    );
    expect(value(after, 'streamgate_connections_total', { protocol: 'rtmp' })).toBe(
      value(before, 'streamgate_connections_total', { protocol: 'rtmp' }) + 1,
    );
    expect(value(after, 'streamgate_auth_decisions_total', { action: 'play' })).toBeGreaterThan(
      value(before, 'streamgate_auth_decisions_total', { action: 'play' }),
    );
    expect(value(after, 'streamgate_connections', { protocol: 'rtmp' })).toBe(1);
  });
});
