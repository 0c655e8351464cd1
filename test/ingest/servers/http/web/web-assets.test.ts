import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { WebAssets, acceptsGzip, locateWebAssets, startedWebAssets } from '#ingest/servers/http/web/web-assets.js';
import { playerPage } from '#ingest/servers/http/web/player-page.js';

const work = mkdtempSync(join(tmpdir(), 'streamgate-web-assets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A folder laid out like the image: dist/ingest/main.mjs with dist/web/ beside it. */
function imageLayout(files: Record<string, string>): string {
  const dist = join(work, `image-${Object.keys(files).join('-')}`, 'dist');
  mkdirSync(join(dist, 'ingest'), { recursive: true });
  mkdirSync(join(dist, 'web'), { recursive: true });
  writeFileSync(join(dist, 'ingest', 'main.mjs'), '');
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dist, 'web', name), body);
  return pathToFileURL(join(dist, 'ingest', 'main.mjs')).href;
}

describe('WebAssets from prebuilt files (the image: dist/web/ beside dist/ingest/main.mjs)', () => {
  const script = 'console.log("player");'.repeat(50);
  const source = locateWebAssets(imageLayout({ 'player.js': script, 'player.css': 'body{}', 'notes.txt': 'x' }));
  const web = new WebAssets(source);

  it('is found beside the bundle, not in the sources', () => {
    expect(source).toEqual({ kind: 'prebuilt', dir: expect.stringMatching(/dist\/web$/) });
  });

  it('a serving process reads prebuilt files on the first request, not at start (no bytes held while no browser asks)', async () => {
    const lazySource = locateWebAssets(imageLayout({ 'player.js': 'old', 'lazy.css': 'x' }));
    const served = startedWebAssets(lazySource);
    await new Promise((r) => setTimeout(r, 20));
    if (lazySource?.kind !== 'prebuilt') throw new Error('expected prebuilt');
    writeFileSync(join(lazySource.dir, 'player.js'), 'new');
    expect(Buffer.from((await served.answer('player.js', {})).body).toString()).toBe('new');
  });

  it('serves a script with a strong ETag, gzip when accepted and revalidation without a version', async () => {
    const gz = await web.answer('player.js', { acceptEncoding: 'gzip, deflate, br' });
    expect(gz.status).toBe(200);
    expect(gz.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(gz.headers['Content-Encoding']).toBe('gzip');
    expect(gz.headers.Vary).toBe('Accept-Encoding');
    expect(gz.headers['Cache-Control']).toBe('no-cache');
    expect(gz.headers.ETag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(gunzipSync(gz.body).toString()).toBe(script);
    expect(gz.body.length).toBeLessThan(script.length / 5);
    const plain = await web.answer('player.js', {});
    expect(plain.headers['Content-Encoding']).toBeUndefined();
    expect(Buffer.from(plain.body).toString()).toBe(script);
    expect(plain.headers.ETag).toBe(gz.headers.ETag);
  });

  it('answers 304 to a matching If-None-Match and caches a URL versioned with the ETag for good', async () => {
    const url = await web.url('player.js');
    const version = new URL(url, 'http://x').searchParams.get('v')!;
    const etag = `"${version}"`;
    expect((await web.answer('player.js', { ifNoneMatch: `"other", W/${etag}` })).status).toBe(304);
    const versioned = await web.answer('player.js', { version });
    expect(versioned.headers['Cache-Control']).toBe('public, max-age=31536000, immutable');
    expect((await web.answer('player.js', { version: 'stale' })).headers['Cache-Control']).toBe('no-cache');
  });

  it('serves style sheets too, and nothing that is not a named script or style sheet', async () => {
    expect((await web.answer('player.css', {})).headers['Content-Type']).toBe('text/css; charset=utf-8');
    expect((await web.answer('notes.txt', {})).status).toBe(404);
    expect((await web.answer('missing.js', {})).status).toBe(404);
  });
});

describe('WebAssets from the sources (npm start via tsx, tests)', () => {
  it('bundles ingest/web/player with mpegts.js and hls.js into one minified browser script', async () => {
    const source = locateWebAssets();
    expect(source?.kind).toBe('sources');
    const web = new WebAssets(source);
    const answer = await web.answer('player.js', { acceptEncoding: 'gzip' });
    expect(answer.status).toBe(200);
    const js = gunzipSync(answer.body).toString();
    // One IIFE for the browser, no module syntax left.
    expect(js).toMatch(/^("use strict";)?\(\(\)=>\{/);
    expect(js).not.toMatch(/(^|[;}])(import|export)[ {]/m);
    expect(js).toContain('mseLivePlayback');
    expect(js).toContain('application/vnd.apple.mpegurl');
    expect(js.length).toBeGreaterThan(200_000);
  }, 60_000);

  it('answers 503 when there is nothing to serve, with the reason kept for the log', async () => {
    const web = new WebAssets(undefined);
    const answer = await web.answer('player.js', {});
    expect(answer.status).toBe(503);
    expect(Buffer.from(answer.body).toString()).toBe('HTTP_WEB_ASSETS_UNAVAILABLE\n');
    expect(web.error?.message).toMatch(/no browser assets/);
  });
});

describe('acceptsGzip', () => {
  it.each([
    ['gzip', true],
    ['br, gzip;q=0.5', true],
    ['*', true],
    ['gzip;q=0', false],
    ['identity', false],
    [undefined, false],
  ])('%s → %s', (field, expected) => expect(acceptsGzip(field)).toBe(expected));
});

describe('playerPage', () => {
  it('loads its script by the versioned URL, escaped, and shows the login only when play auth is required', () => {
    const open = playerPage({ scriptUrl: '/web/player.js?v=1&x="', defaultApp: 'a<b' });
    expect(open).toContain('<script src="/web/player.js?v=1&amp;x=&quot;" defer></script>');
    expect(open).toContain('value="a&lt;b"');
    expect(open).toContain('data-play-auth="none"');
    expect(open).toContain('<div id="login" hidden>');
    const closed = playerPage({ scriptUrl: '/web/player.js', playAuth: true });
    expect(closed).toContain('data-play-auth="required"');
    expect(closed).toContain('<div id="login">');
    expect(closed).toContain('type="password"');
  });
});
