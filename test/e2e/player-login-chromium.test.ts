import type { ChildProcess } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishLive, stopProcess } from '../support/ffmpeg-runs.js';
import { chromiumPath, launchChromium, withChromium } from '../support/chromium.js';
import { startLocalStackForTest, type LocalStackForTest } from '../support/local-stack-harness.js';
import { startTlsTerminatingProxy, type TlsTerminatingProxy } from '../support/tls-terminating-proxy.js';

const ALICE = { name: 'alice12', password: 'page-s3cret-pass', publish: ['cam1'], play: ['cam1'] };
const BOB = { name: 'bob1234', password: 'bob-s3cret-pass', play: ['other'] };

/** What the page functions touch in the browser (this project type-checks without the DOM library). */
interface PageGlobals {
  document: { cookie: string; getElementById(id: string): { currentTime: number; videoWidth: number; readyState: number; paused: boolean } | null };
  streamgatePlayer: { engine?: string; status: string; error: string; history: string[] };
}

// STREAMGATE_PLAY_AUTH=required: the page logs in with a form (Basic on one POST, never a URL),
// the ingest answers with an HttpOnly cookie the media requests carry by themselves.
describe.skipIf(chromiumPath === undefined)(withChromium('player page login in Chromium (STREAMGATE_PLAY_AUTH=required)'), () => {
  let s: LocalStackForTest;
  let browser: Browser;
  let publisher: ChildProcess;
  let base: string;
  /** HTTPS in front of the ingest's plain 8080, as the AWS stack's NLB on 8443. */
  let tlsFront: TlsTerminatingProxy;
  /** Every URL any page asked for. */
  const urls: string[] = [];

  beforeAll(async () => {
    [s, browser] = await Promise.all([
      startLocalStackForTest({ users: [ALICE, BOB], authorizer: { failureDelayMs: 200 }, env: { STREAMGATE_PLAY_AUTH: 'required' } }),
      launchChromium(),
    ]);
    base = `http://127.0.0.1:${s.ingest.ports.http}`;
    tlsFront = await startTlsTerminatingProxy(s.ingest.ports.http);
    publisher = await publishLive(s.rtmpUrl(`live?user=${ALICE.name}&pass=${ALICE.password}/cam1`), s.ingest.hub, 'live/cam1', { gop: 50 });
  }, 40_000);

  afterAll(async () => {
    await stopProcess(publisher);
    await tlsFront?.close();
    await browser?.close();
    await s?.close();
  });

  async function openPage(origin = base): Promise<{ context: BrowserContext; page: Page }> {
    // The TLS front's certificate is self-signed.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`${origin}/?stream=cam1`);
    return { context, page };
  }

  const untilPlaying = (page: Page): Promise<unknown> =>
    page.waitForFunction(
      () => {
        const v = (globalThis as unknown as PageGlobals).document.getElementById('video')!;
        return v.readyState >= 3 && v.videoWidth > 0 && !v.paused && v.currentTime > 1;
      },
      undefined,
      { timeout: 20_000, polling: 100 },
    );

  const loginCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'sg_play');

  async function logIn(page: Page, user: string, password: string): Promise<void> {
    await page.fill('input[name=user]', user);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
  }

  const errorText = (page: Page): Promise<string> =>
    page.waitForFunction(() => (globalThis as unknown as PageGlobals).streamgatePlayer.error || false, undefined, { timeout: 10_000 }).then((h) => h.jsonValue() as Promise<string>);

  it('asks for the login instead of playing, and says so when Play is pressed without one', async () => {
    const { context, page } = await openPage();
    try {
      expect(await page.isVisible('input[name=password]')).toBe(true);
      expect(await page.textContent('#status')).toBe('Log in to play.');
      await page.click('button[type=submit]');
      expect(await errorText(page)).toBe('live/cam1 needs a player login (HTTP_PLAY_UNAUTHORIZED): enter your user name and password.');
    } finally {
      await context.close();
    }
  });

  it('shows a wrong password and a stream not granted clearly, and plays nothing', async () => {
    const { context, page } = await openPage();
    try {
      await logIn(page, ALICE.name, 'not-her-password');
      expect(await errorText(page)).toBe('Wrong user name or password (HTTP_PLAY_UNAUTHORIZED).');
      // The password field is emptied after every attempt: the page keeps no password.
      expect(await page.inputValue('input[name=password]')).toBe('');
      await page.evaluate(() => ((globalThis as unknown as PageGlobals).streamgatePlayer.error = ''));
      await logIn(page, BOB.name, BOB.password);
      expect(await errorText(page)).toBe('User bob1234 may not play live/cam1 (HTTP_PLAY_FORBIDDEN).');
      expect((await context.cookies()).filter((c) => c.name === 'sg_play')).toEqual([]);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.getElementById('video')!.readyState)).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('logs in and plays through mpegts.js with an HttpOnly cookie; no credential is in any URL or log', async () => {
    const { context, page } = await openPage();
    try {
      await logIn(page, ALICE.name, ALICE.password);
      await untilPlaying(page);
      const state = await page.evaluate(() => (globalThis as unknown as PageGlobals).streamgatePlayer);
      expect(state.status).toBe('Playing live/cam1 with mpegts.js (HTTP-FLV).');
      expect(state.history).toContain(state.history.find((l) => l.endsWith('Logged in as alice12.')));
      const [cookie] = (await context.cookies()).filter((c) => c.name === 'sg_play');
      // Plain HTTP page: no Secure (the browser would refuse it there).
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
      expect(cookie!.value).not.toContain(ALICE.password);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.cookie)).toBe('');
      // The play was authorized by the cookie, through the same authorizer as any player.
      expect(s.logs.some((l) => l.event === 'auth' && l.action === 'play' && l.allowed === true && l.method === 'http-cookie' && l.user === ALICE.name)).toBe(true);
      expect(urls.length).toBeGreaterThan(3);
      for (const url of urls) expect(url).not.toMatch(/pass|page-s3cret|bob-s3cret/);
      expect(s.allLogText()).not.toContain(ALICE.password);
      expect(s.allLogText()).not.toContain(BOB.password);
    } finally {
      await context.close();
    }
  });

  it('answers the login route over plain HTTP: POST only, a forged cookie counts as no login', async () => {
    const get = await fetch(`${base}/live/cam1/login`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    const forged = await fetch(`${base}/live/cam1.flv`, { method: 'HEAD', headers: { cookie: 'sg_play=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect([forged.status, forged.headers.get('x-streamgate-code')]).toEqual([401, 'HTTP_PLAY_UNAUTHORIZED']);
    const login = await fetch(`${base}/live/cam1/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${ALICE.name}:${ALICE.password}`).toString('base64')}` },
    });
    expect(login.status).toBe(204);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const played = await fetch(`${base}/live/cam1/index.m3u8`, { headers: { cookie } });
    expect(played.status).toBe(200);
    expect(await played.text()).toMatch(/\d+\.ts\?t=/);
  });

  it('logs out with the page\'s button: the cookie is gone, playback stops and the stream asks for the login again', async () => {
    const { context, page } = await openPage();
    try {
      expect(await page.isVisible('#logout')).toBe(false);
      await logIn(page, ALICE.name, ALICE.password);
      await untilPlaying(page);
      expect(await loginCookie(context)).toBeDefined();
      expect(await page.isVisible('#logout')).toBe(true);
      await page.click('#logout');
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).streamgatePlayer.status === 'Logged out.', undefined, { timeout: 10_000 });
      expect(await loginCookie(context)).toBeUndefined();
      expect(await page.isVisible('#logout')).toBe(false);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.getElementById('video')!.readyState)).toBe(0);
      expect(s.logs.some((l) => l.event === 'http.play-logout' && l.user === ALICE.name)).toBe(true);
      // Play again without logging in: the server asks for the login.
      await page.click('button[type=submit]');
      expect(await errorText(page)).toBe('live/cam1 needs a player login (HTTP_PLAY_UNAUTHORIZED): enter your user name and password.');
    } finally {
      await context.close();
    }
  });

  it('marks the cookie Secure when the page came over HTTPS through a TLS front (as the AWS NLB on 8443), and logs out there too', async () => {
    const { context, page } = await openPage(`https://127.0.0.1:${tlsFront.port}`);
    try {
      await logIn(page, ALICE.name, ALICE.password);
      await untilPlaying(page);
      expect(await loginCookie(context)).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true });
      expect(s.logs.some((l) => l.event === 'http.play-login' && l.user === ALICE.name && l.secure === true)).toBe(true);
      await page.click('#logout');
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).streamgatePlayer.status === 'Logged out.', undefined, { timeout: 10_000 });
      expect(await loginCookie(context)).toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it('refuses a login or logout sent from another site\'s page (403 HTTP_CROSS_SITE, no cookie set or cleared)', async () => {
    const basic = { authorization: `Basic ${Buffer.from(`${ALICE.name}:${ALICE.password}`).toString('base64')}` };
    const host = new URL(base).host;
    const refusedHeaders: Record<string, string>[] = [{ origin: 'http://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { origin: `https://${host}.evil.example` }];
    for (const headers of refusedHeaders) {
      for (const action of ['login', 'logout']) {
        const res = await fetch(`${base}/live/cam1/${action}`, { method: 'POST', headers: { ...basic, ...headers } });
        expect([action, res.status, res.headers.get('x-streamgate-code'), res.headers.get('set-cookie')]).toEqual([action, 403, 'HTTP_CROSS_SITE', null]);
      }
    }
    // The page's own origin (Origin = Host) is let through.
    const same = await fetch(`${base}/live/cam1/logout`, { method: 'POST', headers: { origin: base, 'sec-fetch-site': 'same-origin' } });
    expect([same.status, same.headers.get('set-cookie')]).toEqual([204, 'sg_play=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0']);
    // A real cross-site form post from another origin's page leaves the login in place.
    const { context, page } = await openPage();
    try {
      await logIn(page, ALICE.name, ALICE.password);
      await untilPlaying(page);
      const other = await context.newPage();
      await other.goto(`http://localhost:${s.ingest.ports.http}/`);
      await Promise.all([
        other.waitForURL(/\/logout$/),
        other.evaluate((action) => {
          const d = (globalThis as unknown as { document: { createElement(t: string): { method: string; action: string; submit(): void }; body: { append(e: unknown): void } } }).document;
          const f = d.createElement('form');
          f.method = 'POST';
          f.action = action;
          d.body.append(f);
          f.submit();
        }, `${base}/live/cam1/logout`),
      ]);
      expect(await loginCookie(context)).toBeDefined();
    } finally {
      await context.close();
    }
  });
});
