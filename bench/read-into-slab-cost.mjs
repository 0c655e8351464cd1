#!/usr/bin/env node
// read-into-slab-cost.mjs — does reading a publisher's socket straight into its (cold) slab pay,
// against reading into one shared (hot) buffer and copying into the slab? A writer process paces
// --sockets loopback connections like the many-streams publisher (one --write-bytes write per socket
// every --interval-ms: 10800 B every 33 ms is a 2.6 Mbit/s stream's video frame); this process reads
// them with Node's `onread` and keeps every byte in a ring of
// --ring-mb MB (the publishers' GOP caches: far past any CPU cache), in two ways, alternating:
//   shared: every read lands in one 64 KiB buffer, then is copied to the ring's cursor (what the
//           RTMP decoder does today: Buffer.copy of each chunk into its slab)
//   slab:   every read lands at the ring's cursor (onread's buffer given per read), then its bytes
//           are moved down by 16 in place (what taking the chunk headers out in place would cost)
// Reported: this process's CPU (user and system) per GB read, per round.
//   flock /tmp/bench.lock node bench/read-into-slab-cost.mjs [--sockets 200] [--seconds 6] [--rounds 3] [--ring-mb 256]
import net from 'node:net';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    sockets: { type: 'string', default: '200' }, seconds: { type: 'string', default: '6' }, rounds: { type: 'string', default: '3' },
    'ring-mb': { type: 'string', default: '256' }, 'write-bytes': { type: 'string', default: '10800' }, 'interval-ms': { type: 'string', default: '33' }, writer: { type: 'string' },
  },
});

if (a.writer) { // the child: a server writing to whoever connects, paced
  const size = Number(a['write-bytes']); const payload = Buffer.alloc(size, 7); const socks = new Set();
  const srv = net.createServer({ noDelay: true }, (s) => { socks.add(s); s.on('error', () => {}); s.on('close', () => socks.delete(s)); });
  srv.listen(0, '127.0.0.1', () => process.stdout.write(`${srv.address().port}\n`));
  setInterval(() => { for (const s of socks) if (s.writableLength < (1 << 20)) s.write(payload); }, Number(a['interval-ms']));
  process.on('SIGTERM', () => process.exit(0));
  // the reader holds our stdin: when it goes (killed, crashed), so do we
  process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
} else {
  const N = Number(a.sockets); const ring = Buffer.allocUnsafeSlow(Number(a['ring-mb']) << 20); ring.fill(1);
  const READ = 64 * 1024; const shared = Buffer.allocUnsafeSlow(READ);
  const slice = Math.floor(ring.length / N); let bytes = 0;
  if (slice < 2 * READ) throw new Error('--ring-mb too small for --sockets');
  const writer = spawn(process.execPath, [import.meta.filename, '--writer', '1', '--write-bytes', a['write-bytes'], '--interval-ms', a['interval-ms']], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((r) => writer.stdout.once('data', (d) => r(Number(String(d).trim()))));
  const socks = [];
  for (let i = 0; i < N; i++) {
    // each socket keeps its bytes in its own part of the ring (a publisher's own slabs)
    const base = i * slice; let cursor = base; let at = base;
    const advance = (n) => { cursor += (n + 7) & ~7; if (cursor + READ > base + slice) cursor = base; bytes += n; };
    const onread = {
      buffer: shared,
      callback: (n, buf) => {
        if (buf === shared) { shared.copy(ring, cursor, 0, n); advance(n); }
        else { ring.copyWithin(at, at + 16, at + n); advance(n); }
      },
    };
    const s = net.connect({ port, host: '127.0.0.1', onread });
    socks.push(s);
    s.on('error', () => {});
    s.setMode = (m) => {
      const k = Object.getOwnPropertySymbols(s); const gen = k.find((x) => x.description === 'kBufferGen'); const buf = k.find((x) => x.description === 'kBuffer');
      if (m === 'slab') { s[gen] = () => { at = cursor; return ring.subarray(cursor, cursor + READ); }; }
      else { s[gen] = null; s[buf] = shared; s._handle.useUserBuffer(shared); }
    };
  }
  await new Promise((r) => setTimeout(r, 1500));
  const rounds = [];
  for (let r = 0; r < Number(a.rounds); r++) {
    for (const m of r % 2 ? ['slab', 'shared'] : ['shared', 'slab']) {
      for (const s of socks) s.setMode(m);
      await new Promise((res) => setTimeout(res, 500)); // settle into the mode
      const c0 = process.cpuUsage(); const b0 = bytes;
      await new Promise((res) => setTimeout(res, Number(a.seconds) * 1000));
      const c = process.cpuUsage(c0); const gb = (bytes - b0) / 1e9;
      const row = { round: r + 1, mode: m, mbPerSec: Math.round((bytes - b0) / 1e6 / Number(a.seconds)), userSecPerGB: +(c.user / 1e6 / gb).toFixed(3), sysSecPerGB: +(c.system / 1e6 / gb).toFixed(3), cpuSecPerGB: +((c.user + c.system) / 1e6 / gb).toFixed(3) };
      rounds.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    }
  }
  for (const s of socks) s.destroy();
  writer.kill('SIGTERM');
  console.log(JSON.stringify({ sockets: N, ringMb: Number(a['ring-mb']), writeBytes: Number(a['write-bytes']), rounds }));
}
