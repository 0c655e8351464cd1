import { describe, expect, it } from 'vitest';
import { HlsSegmentToken, SEGMENT_TOKEN_MAX_LENGTH } from '#ingest/servers/http/hls-segment-token.js';
import { hlsTokenizedPlaylist } from '#ingest/servers/http/hls-tokenized-playlist.js';

const KEY = new Uint8Array(32).fill(7);
const NOW = 1_800_000_000_000;

describe('HlsSegmentToken', () => {
  it('a token it issued is valid for the same stream until its lifetime ends, then expired', () => {
    const tokens = new HlsSegmentToken(12, KEY);
    const t = tokens.issue('live/cam1', NOW);
    expect(t).toMatch(/^\d+\.[A-Za-z0-9_-]{22}$/);
    expect(t.length).toBeLessThanOrEqual(SEGMENT_TOKEN_MAX_LENGTH);
    expect(Number(t.split('.')[0])).toBe(NOW / 1000 + 12);
    expect(tokens.verify('live/cam1', t, NOW)).toBe('valid');
    expect(tokens.verify('live/cam1', t, NOW + 11_999)).toBe('valid');
    expect(tokens.verify('live/cam1', t, NOW + 12_000)).toBe('expired');
  });

  it('a token of another stream is invalid', () => {
    const tokens = new HlsSegmentToken(12, KEY);
    expect(tokens.verify('live/cam2', tokens.issue('live/cam1', NOW), NOW)).toBe('invalid');
  });

  it('a later expiry with the old mac, an altered mac or another key is invalid', () => {
    const tokens = new HlsSegmentToken(12, KEY);
    const t = tokens.issue('live/cam1', NOW);
    const [expiry, mac] = t.split('.') as [string, string];
    expect(tokens.verify('live/cam1', `${Number(expiry) + 3600}.${mac}`, NOW)).toBe('invalid');
    const flipped = mac.slice(0, 5) + (mac[5] === 'A' ? 'B' : 'A') + mac.slice(6);
    expect(tokens.verify('live/cam1', `${expiry}.${flipped}`, NOW)).toBe('invalid');
    expect(new HlsSegmentToken(12, new Uint8Array(32).fill(8)).verify('live/cam1', t, NOW)).toBe('invalid');
    // Each process draws its own key when none is given.
    expect(new HlsSegmentToken(12).verify('live/cam1', new HlsSegmentToken(12).issue('live/cam1', NOW), NOW)).toBe('invalid');
  });

  it('an expired forgery is invalid, not expired (the clock is told only to genuine tokens)', () => {
    const tokens = new HlsSegmentToken(12, KEY);
    expect(tokens.verify('live/cam1', `1.${'A'.repeat(22)}`, NOW)).toBe('invalid');
  });

  it('malformed, oversized and empty tokens are invalid without throwing', () => {
    const tokens = new HlsSegmentToken(12, KEY);
    const good = tokens.issue('live/cam1', NOW);
    for (const bad of ['', '.', good.replace('.', ''), `${good}x`, `x${good}`, `-1.${'A'.repeat(22)}`, `1e9.${'A'.repeat(22)}`, `${'9'.repeat(13)}.${'A'.repeat(22)}`, 'A'.repeat(100_000), `${good.split('.')[0]}.${'A'.repeat(21)}=`]) {
      expect(tokens.verify('live/cam1', bad, NOW)).toBe('invalid');
    }
  });

  it('random mutations of a token are never valid', () => {
    const tokens = new HlsSegmentToken(12, KEY);
    const good = tokens.issue('live/cam1', NOW);
    const alphabet = '0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_=%&';
    for (let i = 0; i < 2000; i++) {
      const chars = [...good];
      const at = Math.floor(Math.random() * chars.length);
      const c = alphabet[Math.floor(Math.random() * alphabet.length)]!;
      if (chars[at] === c) continue;
      chars[at] = c;
      expect(tokens.verify('live/cam1', chars.join(''), NOW)).not.toBe('valid');
    }
  });

  it('refuses a lifetime that is not positive', () => {
    expect(() => new HlsSegmentToken(0, KEY)).toThrow(RangeError);
  });
});

describe('hlsTokenizedPlaylist', () => {
  it('appends the token to every segment URI line and leaves tags and blank lines alone', () => {
    const playlist = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:2.000,\n4.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:1.960,\n5.ts\n';
    expect(hlsTokenizedPlaylist(playlist, '123.abc')).toBe(
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:2.000,\n4.ts?t=123.abc\n#EXT-X-DISCONTINUITY\n#EXTINF:1.960,\n5.ts?t=123.abc\n',
    );
  });

  it('joins with & when a URI already has a query', () => {
    expect(hlsTokenizedPlaylist('#EXTM3U\n7.ts?x=1\n', 'T')).toBe('#EXTM3U\n7.ts?x=1&t=T\n');
  });
});
