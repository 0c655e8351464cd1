/**
 * Publish-auth latency of the ingest's authorizer against a real local functions server
 * (dynalite-backed /token and /acl on loopback). Run: `npx tsx bench/auth-latency.ts [N]`.
 *
 * - cold: cache miss → POST /token (TEA) + POST /acl, both over HTTP (a fresh remote address per
 *   request so every call misses the decision cache)
 * - cached: the same request again → served from the decision cache, no HTTP
 * - adobe: connect step 3 of the Adobe challenge (opaque check + POST /token + MD5 verify)
 * Prints one JSON line with p50/p99/max in milliseconds per case.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalFunctions } from '#functions/local/start-local-functions.js';
import { createAuthorizer } from '#ingest/auth/create-authorizer.js';
import { adobeResponse } from '#domain/adobe-auth.js';

const n = Number(process.argv[2] ?? 500);
const dataDir = mkdtempSync(join(tmpdir(), 'sg-auth-bench-'));
const fns = await startLocalFunctions({ dataDir, port: 0, log: () => {} });

try {
  const res = await fetch(`${fns.url}/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fns.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench01', password: 'bench-pass', grants: { publish: ['cam*'], play: [] } }),
  });
  if (res.status !== 201) throw new Error(`user create failed: ${res.status}`);

  const authorizer = createAuthorizer(
    { functionsUrl: fns.url, teaSecret: fns.teaSecret, serviceToken: fns.serviceToken },
    { log: () => {} },
  );
  const credentials = { kind: 'password', user: 'bench01', password: 'bench-pass', source: 'app-query' } as const;
  const request = (ip: string) => ({ action: 'publish', protocol: 'rtmp', app: 'live', stream: 'cam1', ip, credentials }) as const;

  const time = async (f: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 1000) / 1000;
    return { n: s.length, p50: at(0.5), p99: at(0.99), max: at(1) };
  };

  // Warm up the HTTP connection pool and the JIT (not measured).
  for (let i = 0; i < 20; i++) await authorizer.authorize(request(`198.51.100.${i}`));

  const cold: number[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    let reason = '';
    cold.push(await time(async () => (reason = (await authorizer.authorize(request(ip))).reason)));
    if (reason !== 'allowed') throw new Error(`cold decision denied: ${reason}`);
  }
  const cached: number[] = [];
  for (let i = 0; i < n * 10; i++) cached.push(await time(() => authorizer.authorize(request('10.0.0.0'))));

  const adobe: number[] = [];
  for (let i = 0; i < Math.min(n, 200); i++) {
    const s2 = await authorizer.connect({ app: 'live?authmod=adobe&user=bench01', ip: '127.0.0.1', protocol: 'rtmp', role: 'publisher' });
    if (s2.kind !== 'reject') throw new Error('no challenge');
    const q = new Map(s2.description.slice(s2.description.indexOf('?reason=') + 1).split('&').map((kv) => kv.split('=', 2) as [string, string]));
    const c2 = i.toString(16).padStart(8, '0');
    const response = adobeResponse({ user: 'bench01', password: 'bench-pass', salt: q.get('salt')!, challenge: q.get('challenge')!, opaque: q.get('opaque')!, clientChallenge: c2 });
    const app = `live?authmod=adobe&user=bench01&challenge=${c2}&response=${response}&opaque=${q.get('opaque')}`;
    let ok = false;
    adobe.push(await time(async () => (ok = (await authorizer.connect({ app, ip: '127.0.0.1', protocol: 'rtmp', role: 'publisher' })).kind === 'accept')));
    if (!ok) throw new Error('adobe step 3 refused');
  }

  console.log(JSON.stringify({ bench: 'auth-latency', node: process.version, unit: 'ms', cold: stats(cold), cached: stats(cached), adobeStep3: stats(adobe) }));
} finally {
  await fns.close();
  rmSync(dataDir, { recursive: true, force: true });
}
