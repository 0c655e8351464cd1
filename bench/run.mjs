#!/usr/bin/env node
/**
 * `npm run bench`: streamgate beside nginx-rtmp, Node-Media-Server and two byte-copy floors, same
 * stream, same load client, one run. The runner is `bench/run-peers.sh`; this entry
 * checks the tools, passes every argument through and forwards Ctrl-C / SIGTERM so the runner
 * stops exactly the processes it started.
 *
 *   npm run bench -- --quick        N 1,50,200, 2 rounds, 3 s windows: under 3 minutes
 *   npm run bench                   N 1,50,200,500, 3 rounds, 15 s windows: about 25 minutes
 *   npm run bench -- --help         every option
 *
 * Needs Node 20, ffmpeg, bash, ss/setsid/timeout, a C compiler (the C floor), and for the nginx
 * peer `apt-get install -y nginx libnginx-mod-rtmp`. A missing peer is skipped, not fatal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const missing = ['bash', 'ffmpeg', 'ss', 'setsid', 'timeout'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0,
);
if (missing.length > 0) {
  process.stderr.write(`bench: missing ${missing.join(', ')} (see bench/README.md)\n`);
  process.exit(2);
}
const child = spawn('bash', [join(benchDir, 'run-peers.sh'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
