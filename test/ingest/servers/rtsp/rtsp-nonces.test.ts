import { describe, expect, it } from 'vitest';
import { RtspNonces } from '#ingest/servers/rtsp/rtsp-nonces.js';

describe('RtspNonces', () => {
  it('accepts a nonce it issued until it expires, then calls it stale', () => {
    let now = 1_000_000;
    const n = new RtspNonces(Buffer.alloc(32, 1), () => now, 10_000);
    const nonce = n.issue('c1');
    expect(n.verify(nonce, 'c1')).toBe('ok');
    now += 10_001;
    expect(n.verify(nonce, 'c1')).toBe('stale');
  });

  it('refuses a nonce issued on another connection, even a fresh one', () => {
    const n = new RtspNonces(Buffer.alloc(32, 1), () => 1_000_000);
    const nonce = n.issue('c1');
    expect(n.verify(nonce, 'c2')).toBe('invalid');
    expect(n.verify(nonce, 'c11')).toBe('invalid');
  });

  it('refuses a nonce from another key, an altered expiry and malformed text', () => {
    const now = () => 1_000_000;
    const a = new RtspNonces(Buffer.alloc(32, 1), now);
    const b = new RtspNonces(Buffer.alloc(32, 2), now);
    const nonce = a.issue('c1');
    expect(b.verify(nonce, 'c1')).toBe('invalid');
    const [expiry, mac] = nonce.split('.');
    expect(a.verify(`${(parseInt(expiry, 16) + 1).toString(16)}.${mac}`, 'c1')).toBe('invalid');
    for (const bad of ['', '.', 'zz.00', `${expiry}.${mac}0`, `${expiry}`]) expect(a.verify(bad, 'c1')).toBe('invalid');
  });
});
