/**
 * Idle RSS of the ingest bundle as deployed (goal: under 60 MB): built the way ingest/Dockerfile
 * builds it (`node scripts/build.mjs --only ingest`: dist/ingest/main.mjs and dist/web/), started the
 * way the ECS task definition starts it (`node dist/ingest/main.mjs`, the Dockerfile's NODE_ENV,
 * NODE_OPTIONS and MALLOC_ARENA_MAX, the task's environment from infra/ingest-stack.ts): auth on; calls to the functions
 * signed with the task role (`--auth iam`, the stage default) or carrying the service token
 * (`--auth token`); cluster mode with its registry table (`--cluster on`, as
 * infra/streamgate-app.ts deploys it; here a dynalite table reached through
 * AWS_ENDPOINT_URL_DYNAMODB with the task role's container credentials, as on ECS); health port; EMF
 * metrics every 60 s; every listener on, on loopback ports that were free a moment ago. A small
 * stand-in answers the relay poller's GET /ingest/relays (no relays) and serves the container
 * credentials; no client connects. From --seconds on it reads VmRSS (with its anonymous and
 * file-backed parts, and the peak) from /proc twice a second for --window seconds and keeps the
 * median reading: RSS moves with the collector's timing (the relay poller allocates every 5 s).
 *
 *   npx tsx bench/idle-memory.ts [--runs 3] [--seconds 12] [--window 10] [--auth iam|token]
 *        [--cluster on|off] [--bundle DIR] [--variant 'LABEL=NODE OPTIONS[ :: NODE ARGS]']...
 *        [--env NAME=VALUE]... [--json FILE]
 *
 * Without --bundle it builds this checkout into a temp dir. Without --variant it runs the
 * Dockerfile's NODE_OPTIONS ("deployed"). Each --variant replaces NODE_OPTIONS for its runs; flags
 * Node refuses in NODE_OPTIONS (most V8 flags) go on the command line after ` :: `
 * (`--variant 'gc1=--enable-source-maps --max-semi-space-size=2 :: --single-threaded-gc'`).
 * Variants alternate within each run (order reversed every other run) so a drifting machine hits
 * them alike. --env sets a variable of the ingest's environment for every run (an experiment, not
 * the deployed setting). Prints one line per process and a median per variant.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { startDynalite } from '#functions/local/start-dynalite.js';
import { ensureRegistryTable } from '#ingest/cluster/ensure-registry-table.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REGISTRY_TABLE = 'streamgate-bench-registry';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '12' },
    window: { type: 'string', default: '10' },
    auth: { type: 'string', default: 'iam' },
    cluster: { type: 'string', default: 'on' },
    bundle: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    env: { type: 'string', multiple: true, default: [] },
    json: { type: 'string' },
  },
});
if (args.auth !== 'iam' && args.auth !== 'token') throw new Error('--auth takes iam or token');
if (args.cluster !== 'on' && args.cluster !== 'off') throw new Error('--cluster takes on or off');

interface Variant {
  readonly label: string;
  readonly nodeOptions: string;
  readonly nodeArgs: readonly string[];
}

interface Reading {
  readonly rssKB: number;
  readonly anonKB: number;
  readonly fileKB: number;
  readonly hwmKB: number;
}

/** The Dockerfile's runtime environment (NODE_ENV, NODE_OPTIONS, MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_), read from the file. */
function dockerfileEnv(): { nodeOptions: string; nodeEnv: string; mallocArenaMax: string | undefined; mallocMmapThreshold: string | undefined } {
  const text = readFileSync(join(repo, 'ingest', 'Dockerfile'), 'utf8');
  return {
    nodeOptions: /NODE_OPTIONS="([^"]*)"/.exec(text)?.[1] ?? '',
    nodeEnv: /NODE_ENV=(\S+)/.exec(text)?.[1] ?? 'production',
    mallocArenaMax: /MALLOC_ARENA_MAX=(\d+)/.exec(text)?.[1],
    mallocMmapThreshold: /MALLOC_MMAP_THRESHOLD_=(\d+)/.exec(text)?.[1],
  };
}

function parseVariant(spec: string): Variant {
  const eq = spec.indexOf('=');
  const [nodeOptions = '', nodeArgs = ''] = spec.slice(eq + 1).split(' :: ');
  return { label: spec.slice(0, eq), nodeOptions, nodeArgs: nodeArgs.split(' ').filter((a) => a !== '') };
}

async function freeTcpPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const { port } = socket.address();
  await new Promise<void>((r) => socket.close(r));
  return port;
}

/** The functions as the relay poller sees them (no relays; signatures not checked) and the container credentials endpoint. */
async function startStandIn(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/ingest/relays') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"relays":[]}');
    } else if (req.method === 'GET' && req.url === '/credentials') {
      const Expiration = new Date(Date.now() + 6 * 3600_000).toISOString();
      const body = { AccessKeyId: 'ASIABENCHEXAMPLE0000', SecretAccessKey: randomBytes(20).toString('base64'), Token: randomBytes(64).toString('base64'), Expiration };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

function procStatus(pid: number): Reading {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rssKB: kb('VmRSS'), anonKB: kb('RssAnon'), fileKB: kb('RssFile'), hwmKB: kb('VmHWM') };
}

async function measureOnce(mainFile: string, variant: Variant, docker: ReturnType<typeof dockerfileEnv>, standInUrl: string, dynamoEndpoint: string | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sg-idle-data-'));
  const tcp = await Promise.all(Array.from({ length: 10 }, freeTcpPort));
  const [rtmp, http, health, flv, relayFlv, ts, rtspA, rtspB, admin, clusterPort] = tcp.map(String);
  const srt = String(await freeUdpPort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: docker.nodeEnv,
    NODE_OPTIONS: variant.nodeOptions,
    ...(docker.mallocArenaMax !== undefined ? { MALLOC_ARENA_MAX: docker.mallocArenaMax } : {}),
    ...(docker.mallocMmapThreshold !== undefined ? { MALLOC_MMAP_THRESHOLD_: docker.mallocMmapThreshold } : {}),
    // infra/ingest-stack.ts: the container's environment and secrets
    STREAMGATE_FUNCTIONS_URL: standInUrl,
    STREAMGATE_FUNCTIONS_AUTH: args.auth!,
    STREAMGATE_AUTH: 'on',
    STREAMGATE_DRAIN_SECONDS: '30',
    STREAMGATE_LOG_LEVEL: 'info',
    STREAMGATE_PUBLIC_HOST: 'ingest.example.net',
    STREAMGATE_RAW_ALLOW_FROM: '127.0.0.1/32',
    STREAMGATE_HEALTH_PORT: health!,
    STREAMGATE_METRICS_EMF_SECONDS: '60',
    STREAMGATE_METRICS_SERVICE: 'streamgate-bench-ingest',
    STREAMGATE_TEA_SECRET: randomBytes(24).toString('hex'),
    STREAMGATE_SERVICE_TOKEN: randomBytes(24).toString('hex'),
    STREAMGATE_ADMIN_TOKEN: randomBytes(24).toString('hex'),
    STREAMGATE_DATA_DIR: dataDir,
    // what ECS adds: the region and the task role's credentials endpoint (a loopback full URI here)
    AWS_REGION: 'eu-west-1',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${standInUrl}/credentials`,
    ...(dynamoEndpoint !== undefined
      ? {
          STREAMGATE_REGISTRY_TABLE: REGISTRY_TABLE,
          STREAMGATE_CLUSTER_PORT: clusterPort!,
          STREAMGATE_CLUSTER_ADVERTISE: `127.0.0.1:${clusterPort}`,
          STREAMGATE_CLUSTER_TOKEN: randomBytes(24).toString('hex'),
          STREAMGATE_SEGMENT_TOKEN_KEY: randomBytes(24).toString('hex'),
          AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        }
      : {}),
    // every listener on, on loopback
    STREAMGATE_HOST: '127.0.0.1',
    STREAMGATE_RTMP_PORT: rtmp!,
    STREAMGATE_HTTP_PORT: http!,
    STREAMGATE_FLV_PORT: flv!,
    STREAMGATE_RELAY_FLV_PORT: relayFlv!,
    STREAMGATE_TS_PORT: ts!,
    STREAMGATE_RTSP_PORTS: `${rtspA},${rtspB}`,
    STREAMGATE_ADMIN_PORT: admin!,
    STREAMGATE_SRT_PORT: srt,
  };
  for (const kv of args.env) env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  const child = spawn(process.execPath, [...variant.nodeArgs, mainFile], { env, cwd: dirname(dirname(mainFile)), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer): void => {
    if (output.length < 100_000) output += d.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(`code ${code}, signal ${signal}`)));
  const early = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), Number(args.seconds) * 1000))]);
  if (early !== undefined) throw new Error(`ingest exited early (${early}):\n${output.slice(-2000)}`);
  const samples: Reading[] = [];
  for (let t = 0; t < Number(args.window) * 2; t++) {
    samples.push(procStatus(child.pid!));
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill('SIGKILL');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
  const problems = output.split('\n').filter((l) => /"level":"(warn|error)"/.test(l));
  if (problems.length > 0) console.error(`warning: the ingest logged ${problems.length} warnings/errors, first: ${problems[0]!.slice(0, 300)}`);
  samples.sort((a, b) => a.rssKB - b.rssKB);
  return { ...samples[Math.floor((samples.length - 1) / 2)]!, minRssKB: samples[0]!.rssKB, maxRssKB: samples.at(-1)!.rssKB };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const mb = (kb: number): string => (kb / 1024).toFixed(1);

async function main(): Promise<void> {
  const docker = dockerfileEnv();
  const { nodeOptions, nodeEnv } = docker;
  let buildDir = args.bundle === undefined ? undefined : resolve(args.bundle);
  const tempBuild = buildDir === undefined ? mkdtempSync(join(tmpdir(), 'sg-idle-build-')) : undefined;
  if (buildDir === undefined) {
    buildDir = tempBuild!;
    // the Dockerfile's `node scripts/build.mjs --only ingest`: the bundle and dist/web/
    const { buildAll } = (await import(pathToFileURL(join(repo, 'scripts', 'build.mjs')).href)) as {
      buildAll(o: { root: string; outdir: string; only: string }): Promise<unknown>;
    };
    await buildAll({ root: repo, outdir: buildDir, only: 'ingest' });
  }
  const mainFile = join(buildDir, 'ingest', 'main.mjs');
  const variants = args.variant.length > 0 ? args.variant.map(parseVariant) : [{ label: 'deployed', nodeOptions, nodeArgs: [] }];
  const standIn = await startStandIn();
  const dynamo = args.cluster === 'on' ? await startDynalite() : undefined;
  if (dynamo) await ensureRegistryTable(createLocalDynamoClient(dynamo.endpoint), REGISTRY_TABLE);
  const rows: Array<Record<string, unknown> & { variant: string; rssKB: number }> = [];
  try {
    for (let run = 0; run < Number(args.runs); run++) {
      for (const v of run % 2 === 0 ? variants : [...variants].reverse()) {
        const s = await measureOnce(mainFile, v, docker, standIn.url, dynamo?.endpoint);
        const load1 = loadavg()[0]!;
        rows.push({ variant: v.label, run, ...s, load1 });
        console.log(`${v.label.padEnd(16)} run ${run}  RSS ${mb(s.rssKB)} MB (${mb(s.minRssKB)}-${mb(s.maxRssKB)}; anon ${mb(s.anonKB)}, file ${mb(s.fileKB)}, peak ${mb(s.hwmKB)})  load ${load1.toFixed(2)}`);
      }
    }
  } finally {
    await standIn.close();
    await dynamo?.close();
    if (tempBuild) rmSync(tempBuild, { recursive: true, force: true });
  }
  const summary = variants.map((v) => {
    const rss = rows.filter((r) => r.variant === v.label).map((r) => r.rssKB);
    return { variant: v.label, nodeOptions: v.nodeOptions, nodeArgs: v.nodeArgs.join(' '), medianRssMB: median(rss) / 1024, minRssMB: Math.min(...rss) / 1024 };
  });
  for (const s of summary) console.log(`${s.variant}: median ${s.medianRssMB.toFixed(1)} MB, min ${s.minRssMB.toFixed(1)} MB  (NODE_OPTIONS="${s.nodeOptions}"${s.nodeArgs ? ` ${s.nodeArgs}` : ''})`);
  if (args.json !== undefined) {
    const meta = { date: new Date().toISOString(), node: process.version, mallocArenaMax: docker.mallocArenaMax ?? null, seconds: Number(args.seconds), windowSeconds: Number(args.window), functionsAuth: args.auth, cluster: args.cluster, env: args.env, nodeEnv };
    writeFileSync(resolve(args.json), `${JSON.stringify({ ...meta, summary, rows }, null, 2)}\n`);
  }
}

await main();
