import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishTestPattern } from '../support/ffmpeg-runs.js';
import { chromiumPath, launchChromium, withChromium } from '../support/chromium.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';

interface PlayerState {
  engine?: string;
  status: string;
  error: string;
  history: string[];
}

/** What the page functions below touch in the browser (this project type-checks without the DOM library). */
interface PageGlobals {
  document: { getElementById(id: string): { currentTime: number; videoWidth: number; readyState: number; paused: boolean; textContent: string | null } | null };
  streamgatePlayer: PlayerState;
}

/**
 * Waits until the page's video has decoded frames (readyState ≥ HAVE_FUTURE_DATA, a width) and
 * then plays `seconds` further: a live seek alone moves currentTime too.
 */
async function playsFor(page: Page, seconds: number, timeoutMs: number): Promise<{ played: number; width: number; state: PlayerState }> {
  try {
    const start = await page.waitForFunction(
      () => {
        const v = (globalThis as unknown as PageGlobals).document.getElementById('video')!;
        return v.readyState >= 3 && v.videoWidth > 0 && !v.paused ? v.currentTime : false;
      },
      undefined,
      { timeout: timeoutMs, polling: 100 },
    );
    const from = (await start.jsonValue()) as number;
    await page.waitForFunction(
      (t) => (globalThis as unknown as PageGlobals).document.getElementById('video')!.currentTime > t,
      from + seconds,
      { timeout: seconds * 1000 + 5000, polling: 100 },
    );
    return await page.evaluate((t) => {
      const g = globalThis as unknown as PageGlobals;
      const v = g.document.getElementById('video')!;
      return { played: v.currentTime - t, width: v.videoWidth, state: g.streamgatePlayer };
    }, from);
  } catch (err) {
    const state = await page.evaluate(() => (globalThis as unknown as PageGlobals).streamgatePlayer);
    throw new Error(`the page did not play: ${JSON.stringify(state)}`, { cause: err });
  }
}

// The first viewer of a stream arrives right after its publisher starts (nothing cached, HLS not
// started yet): the case that failed in Chromium's native HLS with a one-segment playlist.
describe.skipIf(chromiumPath === undefined)(withChromium('player page in Chromium (real ffmpeg publish, first viewer)'), () => {
  let t: TestIngest;
  let browser: Browser;
  let base: string;
  const publishers: ChildProcess[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestIngest({ STREAMGATE_LOG_LEVEL: 'info' }), launchChromium()]);
    base = `http://127.0.0.1:${t.ingest.ports.http}`;
  });

  afterAll(async () => {
    for (const p of publishers) p.kill('SIGKILL');
    await browser?.close();
    await t?.close();
  });

  /** A fresh stream with 2 s keyframes (what the README recommends), published from now on. */
  function publish(stream: string): void {
    publishers.push(publishTestPattern(t.rtmpUrl(`live/${stream}`), { gop: 50 }));
  }

  it('serves the page with its bundled script under a versioned, cacheable URL (gzip, ETag, 304)', async () => {
    const html = await (await fetch(`${base}/`)).text();
    const src = /<script src="(\/web\/player\.js\?v=([0-9a-f]{16}))"/.exec(html);
    expect(src, html).not.toBeNull();
    const res = await fetch(`${base}${src![1]}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('etag')).toBe(`"${src![2]}"`);
    expect((await res.text()).length).toBeGreaterThan(200_000);
    const again = await fetch(`${base}/web/player.js`, { headers: { 'If-None-Match': `"${src![2]}"` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe('no-cache');
  });

  it('plays the first viewer through mpegts.js (HTTP-FLV) and shows what it plays', async () => {
    const page = await browser.newPage();
    try {
      publish('first');
      await page.goto(`${base}/?stream=first`);
      const seen = await playsFor(page, 1, 20_000);
      expect(seen.state.engine).toBe('mpegts.js');
      expect(seen.width).toBe(320);
      expect(seen.state.status, JSON.stringify(seen.state)).toBe('Playing live/first with mpegts.js (HTTP-FLV).');
      expect(seen.state.error).toBe('');
    } finally {
      await page.close();
    }
  });

  it('plays the first viewer through hls.js and through Chromium\'s own HLS (the first playlist is held until it lists 3 segments)', async () => {
    const [a, b] = [await browser.newPage(), await browser.newPage()];
    try {
      publish('hlsjs');
      publish('native');
      await Promise.all([a.goto(`${base}/?stream=hlsjs&engine=hls.js`), b.goto(`${base}/?stream=native&engine=native-hls`)]);
      const [viaHlsJs, viaNative] = await Promise.all([playsFor(a, 1, 25_000), playsFor(b, 1, 25_000)]);
      expect(viaHlsJs.state.engine).toBe('hls.js');
      expect(viaNative.state.engine).toBe('native-hls');
      expect(viaNative.state.status).toBe('Playing live/native with native-hls (HLS).');
      for (const seen of [viaHlsJs, viaNative]) expect(seen.width).toBe(320);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('says a stream is not live (with the server\'s code) and keeps retrying until it is', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/?stream=later`);
      await page.waitForFunction(() => /not live/.test((globalThis as unknown as PageGlobals).document.getElementById('error')!.textContent ?? ''), undefined, { timeout: 10_000 });
      expect(await page.textContent('#error')).toBe('live/later is not live (HTTP_NOT_FOUND). Retrying every 2 s…');
      publish('later');
      const seen = await playsFor(page, 0.5, 20_000);
      expect(seen.state.error).toBe('');
    } finally {
      await page.close();
    }
  });
});
