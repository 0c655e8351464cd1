import { describe, expect, it } from 'vitest';
import { ConsolePreviewCookie, CONSOLE_PREVIEW_SECONDS } from '#ingest/servers/http/console-preview-cookie.js';
import { PlaySessionCookie } from '#ingest/servers/http/play-session-cookie.js';

const KEY = Buffer.alloc(32, 7);
const NOW = 1_700_000_000_000;

describe('ConsolePreviewCookie', () => {
  it('grants the one stream it was sealed for until it expires', () => {
    const cookie = new ConsolePreviewCookie(KEY);
    const value = cookie.seal('live/cam1', NOW);
    expect(cookie.grants(value, 'live/cam1', NOW)).toBe(true);
    expect(cookie.grants(value, 'live/cam1', NOW + (CONSOLE_PREVIEW_SECONDS - 1) * 1000)).toBe(true);
    expect(cookie.grants(value, 'live/cam1', NOW + (CONSOLE_PREVIEW_SECONDS + 1) * 1000)).toBe(false);
    expect(cookie.grants(value, 'live/cam10', NOW)).toBe(false);
    expect(cookie.grants(value, 'live/cam', NOW)).toBe(false);
    expect(cookie.grants(undefined, 'live/cam1', NOW)).toBe(false);
  });

  it('opens on another task with the same key, not with another key', () => {
    const value = new ConsolePreviewCookie(KEY).seal('live/cam1', NOW);
    expect(new ConsolePreviewCookie(Buffer.from(KEY)).grants(value, 'live/cam1', NOW)).toBe(true);
    expect(new ConsolePreviewCookie(Buffer.alloc(32, 8)).grants(value, 'live/cam1', NOW)).toBe(false);
    expect(new ConsolePreviewCookie().grants(value, 'live/cam1', NOW)).toBe(false);
  });

  it('never takes a player login cookie sealed with the same key for a grant, nor the reverse', () => {
    const login = new PlaySessionCookie(3600, KEY);
    const loginValue = login.seal({ user: 'live/cam1', password: 'x' }, NOW);
    expect(new ConsolePreviewCookie(KEY).grants(loginValue, 'live/cam1', NOW)).toBe(false);
    expect(login.open(new ConsolePreviewCookie(KEY).seal('live/cam1', NOW), NOW)).toBeUndefined();
  });

  it('refuses altered, truncated, oversized and garbage values without throwing', () => {
    const cookie = new ConsolePreviewCookie(KEY);
    const value = cookie.seal('live/cam1', NOW);
    const flipped = `${value.slice(0, 40)}${value[40] === 'A' ? 'B' : 'A'}${value.slice(41)}`;
    for (const bad of [flipped, value.slice(0, 20), value.slice(0, -1), 'A'.repeat(5000), '', '!!!', '%00']) {
      expect(cookie.grants(bad, 'live/cam1', NOW), bad.slice(0, 50)).toBe(false);
    }
  });

  it('is set HttpOnly and SameSite=Strict on the whole site, Secure only when asked', () => {
    const cookie = new ConsolePreviewCookie(KEY);
    expect(cookie.setCookie('abc')).toBe(`sg_preview=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=${CONSOLE_PREVIEW_SECONDS}`);
    expect(cookie.setCookie('abc', { secure: true })).toBe(`sg_preview=abc; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${CONSOLE_PREVIEW_SECONDS}`);
  });
});
