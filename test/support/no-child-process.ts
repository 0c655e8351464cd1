import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

// Setup file of the `unit` project: a unit test starts no process (no ffmpeg, esbuild, cdk, git,
// CLI). Any attempt throws, naming the command, so the test moves to `integration` or `e2e`
// (vitest.config.ts). syncBuiltinESMExports makes `import { spawn } from 'node:child_process'`
// see the guard too, not only `childProcess.spawn`.

const NAMES = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

/** What a unit test gets when it tries to start a process. */
export class ChildProcessInUnitTestError extends Error {
  override readonly name = 'ChildProcessInUnitTestError';
  readonly code = 'UNIT_TEST_CHILD_PROCESS';
}

for (const name of NAMES) {
  (childProcess as unknown as Record<string, unknown>)[name] = (command: unknown, args?: unknown) => {
    const line = [command, ...(Array.isArray(args) ? args : [])].join(' ').slice(0, 200);
    throw new ChildProcessInUnitTestError(
      `child_process.${name}(${line}) in a unit test: unit tests start no process; list this file under the integration project in vitest.config.ts, or move it to test/e2e`,
    );
  };
}
syncBuiltinESMExports();
