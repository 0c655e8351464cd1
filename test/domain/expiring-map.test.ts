import { describe, expect, it } from 'vitest';
import { ExpiringMap, type ExpiringMapOptions } from '#domain/expiring-map.js';

/** One step against the map: the clock moves to `at`, then the operation runs. */
type Step =
  | { at: number; set: string; v: number; until: number; returns?: boolean }
  | { at: number; get: string; is: number | undefined }
  | { at: number; del: string }
  | { at: number; size: number };

const cases: { name: string; options: Omit<ExpiringMapOptions, 'now'>; steps: Step[] }[] = [
  {
    name: 'a value is read until its expiry time, then it is gone and removed',
    options: { maxEntries: 10 },
    steps: [
      { at: 0, set: 'a', v: 1, until: 100 },
      { at: 99, get: 'a', is: 1 },
      { at: 100, get: 'a', is: undefined },
      { at: 100, size: 0 },
    ],
  },
  {
    name: 'when full, expired entries go first',
    options: { maxEntries: 3 },
    steps: [
      { at: 0, set: 'old', v: 1, until: 10 },
      { at: 0, set: 'a', v: 2, until: 1000 },
      { at: 0, set: 'b', v: 3, until: 1000 },
      { at: 20, set: 'c', v: 4, until: 1000 },
      { at: 20, get: 'a', is: 2 },
      { at: 20, get: 'old', is: undefined },
      { at: 20, size: 3 },
    ],
  },
  {
    name: 'when full of live entries, the oldest goes (reading does not refresh it)',
    options: { maxEntries: 3 },
    steps: [
      { at: 0, set: 'a', v: 1, until: 1000 },
      { at: 0, set: 'b', v: 2, until: 1000 },
      { at: 0, set: 'c', v: 3, until: 1000 },
      { at: 10, get: 'a', is: 1 },
      { at: 10, set: 'd', v: 4, until: 1000, returns: true },
      { at: 10, size: 3 },
      { at: 10, get: 'a', is: undefined },
      { at: 10, get: 'b', is: 2 },
      { at: 10, get: 'd', is: 4 },
    ],
  },
  {
    name: 'setting a key again makes it the newest',
    options: { maxEntries: 2 },
    steps: [
      { at: 0, set: 'a', v: 1, until: 1000 },
      { at: 0, set: 'b', v: 2, until: 1000 },
      { at: 1, set: 'a', v: 3, until: 1000 },
      { at: 2, set: 'c', v: 4, until: 1000 },
      { at: 2, get: 'a', is: 3 },
      { at: 2, get: 'b', is: undefined },
    ],
  },
  {
    name: 'whenFull refuse: a full map of live entries refuses new keys and keeps the old ones',
    options: { maxEntries: 2, whenFull: 'refuse' },
    steps: [
      { at: 0, set: 'a', v: 1, until: 100, returns: true },
      { at: 0, set: 'b', v: 2, until: 100, returns: true },
      { at: 50, set: 'c', v: 3, until: 300, returns: false },
      { at: 50, get: 'a', is: 1 },
      { at: 50, get: 'c', is: undefined },
      { at: 100, set: 'c', v: 4, until: 300, returns: true },
      { at: 100, size: 1 },
    ],
  },
  {
    name: 'delete forgets a key at once',
    options: { maxEntries: 2 },
    steps: [
      { at: 0, set: 'a', v: 1, until: 100 },
      { at: 1, del: 'a' },
      { at: 1, get: 'a', is: undefined },
      { at: 1, size: 0 },
    ],
  },
];

describe('ExpiringMap', () => {
  it.each(cases)('$name', ({ options, steps }) => {
    let clock = 0;
    const map = new ExpiringMap<string, number>({ ...options, now: () => clock });
    steps.forEach((step, i) => {
      clock = step.at;
      if ('set' in step) {
        const returned = map.set(step.set, step.v, step.until);
        if (step.returns !== undefined) expect(returned, `step ${i}`).toBe(step.returns);
      } else if ('get' in step) {
        expect(map.get(step.get), `step ${i}`).toBe(step.is);
      } else if ('del' in step) {
        map.delete(step.del);
      } else {
        expect(map.size, `step ${i}`).toBe(step.size);
      }
    });
  });

  it('never holds more than maxEntries under a flood of keys, and keeps the latest', () => {
    let clock = 0;
    const map = new ExpiringMap<string, number>({ maxEntries: 100, now: () => clock });
    for (let i = 0; i < 10_000; i++) {
      clock = i;
      map.set(`k${i}`, i, i + 1_000_000);
      expect(map.size).toBeLessThanOrEqual(100);
    }
    expect(map.get('k9999')).toBe(9999);
    expect(map.get('k9899')).toBeUndefined();
  });

  it('takes an explicit time instead of its clock when given one', () => {
    const map = new ExpiringMap<string, string>({ maxEntries: 4, now: () => 0 });
    map.set('a', 'x', 100);
    expect(map.get('a', 99)).toBe('x');
    expect(map.get('a', 100)).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxEntries %s', (maxEntries) => {
    expect(() => new ExpiringMap({ maxEntries })).toThrow(RangeError);
  });
});
