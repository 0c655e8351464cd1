import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '#domain/failure-throttle.js';

describe('FailureThrottle', () => {
  it.each([
    { name: 'below maxFailures', failuresAt: [0], checkAt: 1, blocked: false },
    { name: 'at maxFailures within the window', failuresAt: [0, 500], checkAt: 999, blocked: true },
    { name: 'at the end of the window (measured from its first failure)', failuresAt: [0, 500], checkAt: 1000, blocked: false },
    { name: 'failures spread over two windows', failuresAt: [0, 1000], checkAt: 1001, blocked: false },
    { name: 'a new window counts from its own first failure', failuresAt: [0, 1000, 1500], checkAt: 1999, blocked: true },
  ])('$name: blocked $blocked', ({ failuresAt, checkAt, blocked }) => {
    let clock = 0;
    const t = new FailureThrottle({ maxFailures: 2, windowMs: 1000, maxKeys: 10, now: () => clock });
    for (const at of failuresAt) {
      clock = at;
      t.recordFailure('a');
    }
    clock = checkAt;
    expect(t.isBlocked('a')).toBe(blocked);
    expect(t.isBlocked('b')).toBe(false);
  });

  it('returns the count in the current window', () => {
    let clock = 0;
    const t = new FailureThrottle({ maxFailures: 5, windowMs: 1000, maxKeys: 10, now: () => clock });
    expect(t.recordFailure('a')).toBe(1);
    clock = 999;
    expect(t.recordFailure('a')).toBe(2);
    clock = 1000;
    expect(t.recordFailure('a')).toBe(1);
  });

  it('tracks a bounded number of keys and keeps the latest', () => {
    const t = new FailureThrottle({ maxFailures: 1, windowMs: 1000, maxKeys: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) t.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(t.size).toBeLessThanOrEqual(100);
    expect(t.isBlocked('10.0.3.231')).toBe(true);
    expect(t.isBlocked('10.0.0.0')).toBe(false);
  });
});
