#!/usr/bin/env node
// Latency of the control plane's hot paths against the embedded store (dynalite on disk):
// POST /token (Wowza form, TEA in/out, one GetItem + AES-GCM decrypt) and POST /acl (one
// GetItem + pure decision), over real loopback HTTP to startLocalFunctions. Not a test.
//
//   node bench/control-plane-bench.mjs [--requests N] [--concurrency C]
//
// Prints p50/p90/p99/max in ms and requests/s per route and concurrency level.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { startLocalFunctions } = await import('../functions/src/local/start-local-functions.ts');
const { teaEncrypt } = await import('../domain/src/tea.ts');

const { values } = parseArgs({ options: { requests: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '1,16' } } });
const requests = Number(values.requests);
const levels = values.concurrency.split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'sg-bench-'));
const fns = await startLocalFunctions({ dataDir: dir, port: 0, log: () => {} });
const USERS = 200;
for (let i = 0; i < USERS; i++) {
  const res = await fetch(`${fns.url}/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fns.adminToken}` },
    body: JSON.stringify({ name: `bench-user-${i}`, password: `bench-pass-${i}`, grants: { publish: [`cam${i}`, 'live/shared-*'], play: ['*'] } }),
  });
  if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
}

const routes = {
  token: (i) =>
    fetch(`${fns.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `clientid=${teaEncrypt(`bench-user-${i % USERS}`, fns.teaSecret)}`,
    }),
  acl: (i) =>
    fetch(`${fns.url}/acl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fns.serviceToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: `bench-user-${i % USERS}`, action: 'publish', app: 'live', stream: `CAM${i % USERS}?k=v`, ip: '127.0.0.1' }),
    }),
};

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const rows = [];
for (const [name, call] of Object.entries(routes)) {
  for (let i = 0; i < 200; i++) await (await call(i)).text(); // warm-up (JIT, connections, LevelDB cache)
  for (const concurrency of levels) {
    const times = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const i = next++;
          const t0 = performance.now();
          const res = await call(i);
          const body = await res.json();
          times.push(performance.now() - t0);
          if (name === 'token' && !body.publisherToken) throw new Error(`token failed: ${JSON.stringify(body)}`);
          if (name === 'acl' && body.allowed !== true) throw new Error(`acl denied: ${JSON.stringify(body)}`);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);
    rows.push({ route: `/${name}`, concurrency, requests, p50: pct(times, 50), p90: pct(times, 90), p99: pct(times, 99), max: times[times.length - 1], rps: requests / elapsed });
  }
}

await fns.close();
rmSync(dir, { recursive: true, force: true });
const f = (n) => n.toFixed(2).padStart(7);
console.log(`node ${process.version}, ${USERS} users in dynalite (on disk), loopback HTTP`);
console.log('route   conc  requests     p50     p90     p99     max (ms)    req/s');
for (const r of rows) console.log(`${r.route.padEnd(7)} ${String(r.concurrency).padStart(4)}  ${String(r.requests).padStart(8)} ${f(r.p50)} ${f(r.p90)} ${f(r.p99)} ${f(r.max)}      ${r.rps.toFixed(0).padStart(6)}`);
