import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { createProgram } from '#cli/create-program.js';

/** What one CLI run printed and how it exited. */
export interface CliRun {
  readonly out: string;
  readonly err: string;
  readonly code: number;
}

/**
 * Runs the `streamgate` program in this process with captured output (stdout, stderr, exit code),
 * as `bin/streamgate.js ARGS` would, without a child process. `stdin` is what `--password -` and
 * `import -` read.
 */
export async function runCliInProcess(args: string[], stdin = ''): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const program = createProgram({ out: (s) => out.push(s), err: (s) => err.push(s), readStdin: async () => stdin });
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride();
  process.exitCode = 0;
  let code = 0;
  try {
    await program.parseAsync(['node', 'streamgate', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
  }
  process.exitCode = 0;
  return { out: out.join('\n'), err: err.join('\n'), code };
}

/**
 * Runs the real entry (`bin/streamgate.js` through tsx) as a child process with `env` over this
 * process's environment minus every `STREAMGATE_*` variable, so only what the test names applies;
 * killed after `timeoutMs` when given.
 */
export function spawnCli(args: string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STREAMGATE_')));
    const child = spawn(process.execPath, ['bin/streamgate.js', ...args], { cwd: process.cwd(), env: { ...clean, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    // Killed past `timeoutMs`: the run ends with code -1 and what it printed.
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ out, err, code: code ?? -1 });
    });
  });
}
