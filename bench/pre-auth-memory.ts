/**
 * What unauthenticated RTMP clients can make the server hold: starts `streamgate start` (auth on,
 * play auth required, its own data dir and ports) as a child process, measures its RSS, runs the
 * pre-auth attack (Set Chunk Size, then many chunk streams each carrying most of an announced
 * message that never completes, and no connect) from N sockets, measures RSS while they hold,
 * closes them and measures again.
 *
 *   npx tsx bench/pre-auth-memory.ts                       # the reported attack: 4 sockets, 60 × 7 MiB of 8 MiB
 *   npx tsx bench/pre-auth-memory.ts --sockets 100 --streams 16 --kib-per-stream 512
 *   npx tsx bench/pre-auth-memory.ts --sockets 100 --streams 2 --kib-per-stream 48 --message-kib 60 --chunk-kib 16
 *   npx tsx bench/pre-auth-memory.ts --base-port 21000    # ports base..base+9, RTP base+50..base+99
 *   npx tsx bench/pre-auth-memory.ts --server-dir /tmp/old-checkout   # measure another checkout
 *
 * Prints one JSON line per phase and a summary; `--json FILE` also writes the summary there.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sendPartialMessages, type PartialMessagesRun } from '#test/support/rtmp-partial-messages.js';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '4' },
    streams: { type: 'string', default: '60' },
    'kib-per-stream': { type: 'string', default: String(7 * 1024) },
    'chunk-kib': { type: 'string', default: '1024' },
    'message-kib': { type: 'string', default: String(8 * 1024) },
    'base-port': { type: 'string', default: '21000' },
    'hold-ms': { type: 'string', default: '3000' },
    json: { type: 'string' },
    // Another checkout to measure (e.g. a worktree of the old code); default this one.
    'server-dir': { type: 'string', default: '.' },
  },
});
const sockets = Number(args.sockets);
const streams = Number(args.streams);
const bytesPerStream = Number(args['kib-per-stream']) * 1024;
const chunkSize = Number(args['chunk-kib']) * 1024;
const messageLength = Number(args['message-kib']) * 1024;
const base = Number(args['base-port']);
const holdMs = Number(args['hold-ms']);

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** RSS of a process and its descendants, bytes (Linux /proc). */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirProc()) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), entry]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone meanwhile
    }
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

function readdirProc(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamgate-preauth-'));
  const env = {
    ...process.env,
    STREAMGATE_HOST: '127.0.0.1',
    STREAMGATE_RTMP_PORT: String(base),
    STREAMGATE_RTMPS_PORT: String(base + 1),
    STREAMGATE_HTTP_PORT: String(base + 2),
    STREAMGATE_FLV_PORT: String(base + 3),
    STREAMGATE_TS_PORT: String(base + 4),
    STREAMGATE_RTSP_PORTS: `${base + 5},${base + 6}`,
    STREAMGATE_ADMIN_PORT: String(base + 7),
    STREAMGATE_FUNCTIONS_PORT: String(base + 8),
    STREAMGATE_RTP_PORTS: `${base + 50}-${base + 99}`,
    STREAMGATE_DATA_DIR: dataDir,
    STREAMGATE_AUTH: 'on',
    STREAMGATE_PLAY_AUTH: 'required',
    STREAMGATE_LOG_LEVEL: 'warn',
    // The attack holds its sockets open past the default handshake deadline on a loaded machine.
    STREAMGATE_HANDSHAKE_TIMEOUT_MS: String(Math.max(10_000, holdMs + 60_000)),
    STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS: String(Math.max(64, sockets)),
  };
  const child = spawn(process.execPath, ['bin/streamgate.js', 'start'], { cwd: args['server-dir'], env, stdio: ['ignore', 'ignore', 'inherit'] });
  const report: Record<string, unknown> = { sockets, streams, bytesPerStream, messageLength, chunkSize };
  try {
    await waitHealthy(base + 2);
    await sleep(2000);
    const before = treeRss(child.pid!);
    report.rssBeforeMiB = round(before / MiB);
    console.log(JSON.stringify({ phase: 'idle', rssMiB: report.rssBeforeMiB }));
    const started = Date.now();
    const runs: PartialMessagesRun[] = await Promise.all(
      Array.from({ length: sockets }, () => sendPartialMessages(base, '127.0.0.1', { chunkStreams: streams, bytesPerStream, chunkSize, messageLength })),
    );
    report.attackSeconds = round((Date.now() - started) / 1000);
    report.sentMiB = round(runs.reduce((n, r) => n + r.sent, 0) / MiB);
    report.closedEarly = runs.filter((r) => r.closedEarly || r.socket.destroyed).length;
    await sleep(holdMs);
    const holding = treeRss(child.pid!);
    report.rssHoldingMiB = round(holding / MiB);
    report.rssGrowthMiB = round((holding - before) / MiB);
    console.log(JSON.stringify({ phase: 'holding', rssMiB: report.rssHoldingMiB, sentMiB: report.sentMiB, closedEarly: report.closedEarly }));
    for (const r of runs) r.socket.destroy();
    await sleep(5000);
    const after = treeRss(child.pid!);
    report.rssAfterCloseMiB = round(after / MiB);
    console.log(JSON.stringify({ phase: 'closed', rssMiB: report.rssAfterCloseMiB }));
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ summary: report }));
  if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
}

async function waitHealthy(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error('streamgate did not become healthy within 60 s');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

await main();
