import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, withChromium } from '#test/support/chromium.js';
import { exited, publishTestPattern } from '#test/support/ffmpeg-runs.js';
import { startLocalStackForTest, waitFor, type LocalStackForTest } from '#test/support/local-stack-harness.js';

/** Where the run's screenshots go (git-ignored); docs/console.png is one of them, committed by hand. */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'console');

const CAROL = { name: 'carol', password: 'carol-pass-123', publish: ['live/*'], play: ['*'] };
const DAVE_PASSWORD = 'dave-pass-4567';
/** A stream name that is markup: the console must show it as text and never run it. */
const HOSTILE = '<img src=x onerror="globalThis.pwned=1">';

/** What the page functions below touch in the browser (this project type-checks without the DOM library). */
interface PageGlobals {
  pwned?: number;
  document: {
    querySelector(s: string): { currentTime: number; videoWidth: number; readyState: number } | null;
    querySelectorAll(s: string): { length: number };
    documentElement: { outerHTML: string; scrollWidth: number };
    body: unknown;
    activeElement: { textContent: string | null; id: string } | null;
  };
  getComputedStyle(el: unknown): { backgroundColor: string };
  localStorage: { length: number };
}

describe.skipIf(chromiumPath === undefined)(withChromium('web console in Chromium (real ffmpeg, local functions)'), () => {
  let s: LocalStackForTest;
  let browser: Browser;
  let page: Page;
  let base: string;
  const children = new Set<ChildProcess>();
  const publish = (user: string, password: string, stream: string) => {
    const child = publishTestPattern(`rtmp://${user}:${password}@127.0.0.1:${s.ingest.ports.rtmp}/live/${stream}`, { size: '320x240' });
    children.add(child);
    return child;
  };
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  /** The stream page's preview shows pictures and its time moves on by more than a second. */
  const previewPlays = async (): Promise<void> => {
    const started = await page.waitForFunction(
      () => {
        const v = (globalThis as unknown as PageGlobals).document.querySelector('video.preview');
        return v !== null && v.readyState >= 3 && v.videoWidth > 0 ? v.currentTime : false;
      },
      undefined,
      { timeout: 15_000, polling: 100 },
    );
    const from = (await started.jsonValue()) as number;
    await page.waitForFunction((t) => (globalThis as unknown as PageGlobals).document.querySelector('video.preview')!.currentTime > t + 1, from, { timeout: 10_000, polling: 100 });
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    // ACL answers live 1 s, so a revoked grant refuses the next publish at once. Players must log in
    // (STREAMGATE_PLAY_AUTH=required): the preview plays by the console's own grant.
    [s, browser] = await Promise.all([
      startLocalStackForTest({ users: [CAROL], aclTtlSeconds: 1, env: { STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_PLAY_AUTH: 'required' }, ingestDeps: { consoleHistory: { intervalMs: 500 } } }),
      launchChromium(),
    ]);
    base = `http://127.0.0.1:${s.ingest.ports.http}`;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Every confirm() of the console (kick, revoke) is accepted.
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await browser?.close();
    await s?.close();
  });

  it('refuses a wrong admin token and logs in with the right one', async () => {
    await page.goto(`${base}/console`);
    await shot('login');
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong admin token.');
    expect(await page.getByRole('navigation', { name: 'Console pages' }).count()).toBe(0);

    await page.getByLabel('Admin token').fill(s.functions.adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Live streams' }).waitFor();
    // The token is in the tab's sessionStorage only: not in the URL, the page or localStorage.
    expect(page.url()).not.toContain(s.functions.adminToken);
    const leaks = await page.evaluate((token) => {
      const g = globalThis as unknown as PageGlobals;
      return { inPage: g.document.documentElement.outerHTML.includes(token), local: g.localStorage.length };
    }, s.functions.adminToken);
    expect(leaks).toEqual({ inPage: false, local: 0 });
  });

  it('shows a stream published by ffmpeg within 3 s with its codec and resolution, and plays its preview although players must log in', async () => {
    publish(CAROL.name, CAROL.password, 'cam1');
    await waitFor(() => s.ingest.hub.isLive('live/cam1'), 15_000, 'the publish');
    const live = Date.now();
    const row = page.locator('tr[data-stream="live/cam1"]');
    await row.getByText('h264 320×240').waitFor({ timeout: 3000 });
    expect(Date.now() - live).toBeLessThan(3000);
    await expect.poll(() => row.textContent()).toContain('carol');
    await expect.poll(() => row.textContent()).toContain('rtmp 127.0.0.1');
    await shot('streams');

    await row.getByRole('link', { name: 'live/cam1' }).click();
    await page.getByRole('heading', { name: 'live/cam1' }).waitFor();
    await previewPlays();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelector('video.preview')!.videoWidth)).toBe(320);
    // The preview played by the console's grant, not a user's login; the page's scripts never see the cookie.
    expect(s.logs.some((l) => l.event === 'http.play-console-preview' && l.path === 'live/cam1')).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe('');
    // The preview is a reader: the viewers count says so.
    await expect.poll(() => page.locator('dl.facts').textContent(), { timeout: 5000 }).toMatch(/Viewers1 \(http-flv 1\)/);
    await expect.poll(() => page.locator('ul.urls').textContent()).toContain(`rtsp://127.0.0.1:${s.ingest.ports.rtsp}/live/cam1`);
    // The sparklines fill from the history (sampled every 500 ms here, 2 s by default).
    await page.getByText(/^Bitrate in \([1-9]/).waitFor({ timeout: 5000 });
    await page.getByText(/^Viewers \(1\)/).waitFor({ timeout: 5000 });
    await shot('stream-detail');
  });

  it('kicks the publisher and sees it leave', async () => {
    const child = [...children][0]!;
    await page.getByRole('button', { name: 'Kick publisher' }).click();
    await exited(child);
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/^Publisher c\d+ of live\/cam1 disconnected\.$/);
    await page.getByText('live/cam1 is not live.').waitFor({ timeout: 3000 });
    await page.getByRole('navigation').getByRole('link', { name: 'Streams' }).click();
    await page.locator('p.empty').getByText('Nothing is live').waitFor({ timeout: 3000 });
    expect(await page.locator('tr[data-stream="live/cam1"]').count()).toBe(0);
  });

  it('adds a user who can then publish, and revokes the grant so the next publish is refused', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
    await page.locator('tr[data-user="carol"]').waitFor();
    // The API's own message for a weak password.
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Name').fill('dave');
    await form.getByLabel('Password').fill('dave');
    await form.getByLabel('Publish patterns').fill('live/dave-cam');
    await form.getByRole('button', { name: 'Add user' }).click();
    const direct = await s.usersApi('POST', '/users', { name: 'dave', password: 'dave', grants: { publish: [], play: [] } });
    await expect.poll(() => form.getByRole('alert').textContent()).toContain((direct.body as { message: string }).message);

    await form.getByLabel('Password').fill(DAVE_PASSWORD);
    await form.getByRole('button', { name: 'Add user' }).click();
    await page.locator('tr[data-user="dave"]').waitFor();
    await shot('users');
    const dave = publish('dave', DAVE_PASSWORD, 'dave-cam');
    await waitFor(() => s.ingest.hub.isLive('live/dave-cam'), 15_000, 'dave publishing');
    dave.kill('SIGKILL');
    await waitFor(() => !s.ingest.hub.isLive('live/dave-cam'), 5000, 'dave gone');

    await page.getByRole('button', { name: 'Revoke publish live/dave-cam from dave' }).click();
    await expect.poll(() => page.locator('tr[data-user="dave"]').textContent()).not.toContain('live/dave-cam');
    await new Promise((r) => setTimeout(r, 1200));
    const refused = publish('dave', DAVE_PASSWORD, 'dave-cam');
    const code = await exited(refused);
    expect(code).not.toBe(0);
    expect(s.ingest.hub.isLive('live/dave-cam')).toBe(false);
    // The password typed into the console is nowhere in the page, the API answers or the logs.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.outerHTML)).not.toContain(DAVE_PASSWORD);
    expect(s.allLogText()).not.toContain(DAVE_PASSWORD);
  });

  it('renders stream names and error texts with HTML in them as text', async () => {
    const child = publishTestPattern(`rtmp://127.0.0.1:${s.ingest.ports.rtmp}/live`, {
      size: '320x240',
      extraOutputArgs: ['-rtmp_app', `live?user=${CAROL.name}&pass=${CAROL.password}`, '-rtmp_playpath', HOSTILE],
    });
    children.add(child);
    await waitFor(() => s.ingest.hub.list().some((x) => x.live && x.path.includes('<img')), 15_000, 'the hostile stream');
    await page.getByRole('navigation').getByRole('link', { name: 'Streams' }).click();
    const name = s.ingest.hub.list().find((x) => x.path.includes('<img'))!.path;
    await page.getByRole('link', { name }).waitFor({ timeout: 3000 });
    // Relay validation errors quote what was sent.
    await page.getByRole('navigation').getByRole('link', { name: 'Relays' }).click();
    const relayForm = page.getByRole('form', { name: 'Add a relay' });
    await relayForm.getByLabel('Stream').fill('live/<b>bold</b>?');
    await relayForm.getByLabel('URLs').fill('rtmp://127.0.0.1:1/live/key');
    await relayForm.getByRole('button', { name: 'Add relay' }).click();
    await expect.poll(() => relayForm.getByRole('alert').textContent()).toContain('<b>bold</b>');
    const dom = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return { pwned: g.pwned, imgs: g.document.querySelectorAll('img').length, bolds: g.document.querySelectorAll('form b').length };
    });
    expect(dom).toEqual({ pwned: undefined, imgs: 0, bolds: 0 });
    child.kill('SIGKILL');
  });

  it('adds a relay, turns it off and on again and removes it, never showing its stream key', async () => {
    const relayForm = page.getByRole('form', { name: 'Add a relay' });
    await relayForm.getByLabel('Stream').fill('live/cam1');
    await relayForm.getByLabel('URLs').fill('rtmp://127.0.0.1:1/live/SECRETKEY');
    await relayForm.getByRole('button', { name: 'Add relay' }).click();
    const relay = page.locator('li[data-relay]');
    await relay.getByRole('heading', { name: 'live/cam1 → push' }).waitFor();
    const id = (await relay.getAttribute('data-relay'))!;
    await relay.getByRole('button', { name: `Disable relay ${id}` }).click();
    await relay.getByRole('heading', { name: 'live/cam1 → push (disabled)' }).waitFor();
    await shot('relays');
    await relay.getByRole('button', { name: `Enable relay ${id}` }).click();
    await relay.getByRole('button', { name: `Disable relay ${id}` }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.outerHTML)).not.toContain('SECRETKEY');
    await relay.getByRole('button', { name: `Remove relay ${id}` }).click();
    await page.getByText('No managed relays.').waitFor();
  });

  it('shows the server page and stays usable at a phone width', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Server' }).click();
    await page.getByRole('table', { name: 'Listeners' }).waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Listeners' }).textContent()).toContain(`rtmp${s.ingest.ports.rtmp}`);
    await page.getByRole('table', { name: 'Open connections' }).waitFor();
    await shot('server');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole('navigation').getByRole('link', { name: 'Streams' }).click();
    await page.getByRole('heading', { name: 'Live streams' }).waitFor();
    // Wide tables scroll inside their box; the page itself does not.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('streams-phone');
    // Dark when the system is dark.
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).getComputedStyle((globalThis as unknown as PageGlobals).document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
    await shot('streams-phone-dark');
    // Keyboard: on a fresh load (the token is kept for the tab) the first Tab reaches "Skip to
    // content", the next ones the pages; following a page link moves focus to the page.
    await page.reload();
    await page.getByRole('heading', { name: 'Live streams' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id)).toBe('main');
  });

  it('previews a stream whose name has a further "/" (live/studio/cam2)', async () => {
    const child = publish(CAROL.name, CAROL.password, 'studio/cam2');
    await waitFor(() => s.ingest.hub.isLive('live/studio/cam2'), 15_000, 'the publish');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}/console#/streams/live/studio/cam2`);
    await page.getByRole('heading', { name: 'live/studio/cam2' }).waitFor();
    await previewPlays();
    expect(s.logs.some((l) => l.event === 'http.play-console-preview' && l.path === 'live/studio/cam2')).toBe(true);
    child.kill('SIGKILL');
  });
});
