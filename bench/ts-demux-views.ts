/**
 * What the TS demuxer costs per 1316-byte SRT datagram, copying each TS packet's payload (the
 * default, for readers whose buffer is reused) or keeping views of the pushed buffers (`ownsInput`,
 * an SRT publisher's datagrams), in one process, alternating the two every round.
 *
 *   ffmpeg -i bench/.cache/testsrc2-720p30-2500k-aac128k-30s.flv -c copy -f mpegts /tmp/src.ts
 *   flock /tmp/bench.lock node --import tsx bench/ts-demux-views.ts /tmp/src.ts [--rounds 8] [--ms 1500]
 *
 * Printed: CPU microseconds per datagram (median and minimum over the rounds), each datagram a
 * fresh copy as a socket would hand it over.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '8' }, ms: { type: 'string', default: '1500' } } });
const file = positionals[0];
if (file === undefined) throw new Error('usage: bench/ts-demux-views.ts FILE.ts [--rounds N] [--ms MS]');
const ts = new Uint8Array(readFileSync(file));
const datagrams: Uint8Array[] = [];
for (let o = 0; o + 1316 <= ts.length; o += 1316) datagrams.push(ts.subarray(o, o + 1316));
const results = new Map<string, number[]>([
  ['copy per TS packet', []],
  ['views (ownsInput)', []],
]);
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, ownsInput] of [
    ['copy per TS packet', false],
    ['views (ownsInput)', true],
  ] as const) {
    const t0 = process.cpuUsage();
    const end = performance.now() + Number(values.ms);
    let n = 0;
    while (performance.now() < end) {
      const d = new TsDemuxer({ ownsInput });
      for (const g of datagrams) {
        d.push(g.slice());
        n++;
      }
      d.end();
    }
    const c = process.cpuUsage(t0);
    results.get(name)!.push((c.user + c.system) / n);
  }
}
for (const [name, us] of results) {
  us.sort((a, b) => a - b);
  console.log(`${name}: ${us[us.length >> 1]!.toFixed(2)} us per datagram (median), ${us[0]!.toFixed(2)} (min), ${us.length} rounds`);
}
