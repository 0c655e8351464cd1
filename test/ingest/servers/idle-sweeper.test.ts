import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdleSweeper } from '#ingest/servers/idle-sweeper.js';

describe('IdleSweeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks every added connection once a period, and stops its one interval when none is left', () => {
    vi.useFakeTimers();
    const sweeper = new IdleSweeper(250);
    const seen: string[] = [];
    const a = { checkIdle: (): void => void seen.push('a') };
    const b = { checkIdle: (): void => void seen.push('b') };
    sweeper.add(a);
    sweeper.add(b);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(500);
    expect(seen).toEqual(['a', 'b', 'a', 'b']);
    sweeper.delete(a);
    vi.advanceTimersByTime(250);
    expect(seen.slice(4)).toEqual(['b']);
    sweeper.delete(b);
    expect(vi.getTimerCount()).toBe(0);
    sweeper.add(a);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('goes on with the others when a check closes its connection (deletes itself) during the sweep', () => {
    vi.useFakeTimers();
    const sweeper = new IdleSweeper(100);
    const seen: string[] = [];
    const closing = {
      checkIdle: (): void => {
        seen.push('closing');
        sweeper.delete(closing);
      },
    };
    const other = { checkIdle: (): void => void seen.push('other') };
    sweeper.add(closing);
    sweeper.add(other);
    vi.advanceTimersByTime(200);
    expect(seen).toEqual(['closing', 'other', 'other']);
    expect(sweeper.size).toBe(1);
  });
});
