import { afterAll, afterEach } from 'vitest';

/**
 * Registers a hook that runs what the tests defer, last deferred first, after each test (`each`)
 * or after the enclosing describe or file (`all`). Returns `defer`.
 */
export function useCleanups(when: 'each' | 'all' = 'each'): (cleanup: () => unknown) => void {
  const cleanups: (() => unknown)[] = [];
  (when === 'each' ? afterEach : afterAll)(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
