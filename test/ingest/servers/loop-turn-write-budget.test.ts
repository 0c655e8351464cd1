import { describe, expect, it } from 'vitest';
import { LoopTurnWriteBudget } from '#ingest/servers/loop-turn-write-budget.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('LoopTurnWriteBudget', () => {
  it('lets large writes go at once until the turn has spent its budget, then defers them to later turns in order', async () => {
    const budget = new LoopTurnWriteBudget(100);
    expect(budget.admit(60)).toBe(true);
    expect(budget.admit(60)).toBe(true);
    expect(budget.admit(1)).toBe(false);
    const ran: string[] = [];
    for (const name of ['a', 'b', 'c']) budget.defer(60, () => ran.push(name));
    expect(ran).toEqual([]);
    await nextTurn();
    expect(ran).toEqual(['a', 'b']);
    await nextTurn();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('never admits a write ahead of one that waits, and gives a fresh budget once nothing waits', async () => {
    const budget = new LoopTurnWriteBudget(100);
    expect(budget.admit(100)).toBe(true);
    const ran: string[] = [];
    budget.defer(10, () => ran.push('waiting'));
    expect(budget.admit(10)).toBe(false);
    await nextTurn();
    expect(ran).toEqual(['waiting']);
    // The turn that ran it spent 10 of its 100: a write now still fits.
    expect(budget.admit(10)).toBe(true);
    await nextTurn();
    await nextTurn();
    expect(budget.admit(100)).toBe(true);
  });

  it('runs every deferred write in order, a write deferred by a deferred write after those already waiting', async () => {
    const budget = new LoopTurnWriteBudget(50);
    budget.admit(50);
    const ran: string[] = [];
    budget.defer(50, () => {
      ran.push('first');
      budget.defer(50, () => ran.push('second'));
    });
    budget.defer(50, () => ran.push('third'));
    while (ran.length < 3) await nextTurn();
    expect(ran).toEqual(['first', 'third', 'second']);
  });
});
