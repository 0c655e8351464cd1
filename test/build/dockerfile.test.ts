import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEALTH_CHECK_PORT, INGEST_TARGETS } from '#infra/ingest-ports.js';
import { loadBuildScript } from './build-script.js';
import { ingestMainIsReady, repoRoot } from './ingest-entry.js';

const dockerfile = readFileSync(join(repoRoot, 'ingest/Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

/** Dockerfile instructions with continuation lines joined, split into stages at each FROM. */
function stages(): { from: string; lines: string[] }[] {
  const joined = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const out: { from: string; lines: string[] }[] = [];
  for (const line of joined) {
    if (/^FROM\s/i.test(line)) out.push({ from: line, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

/** Sources of the build stage's `COPY src… dest` from the build context (not `--from=`). */
function contextCopies(): { sources: string[]; dest: string }[] {
  return stages()[0].lines
    .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
    .map((l) => {
      const parts = l.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
    });
}

/** Whether .dockerignore (exclude everything, re-include with `!`) lets `path` into the context. */
function inContext(path: string): boolean {
  let included = true;
  for (const rule of dockerignore) {
    const negated = rule.startsWith('!');
    const pattern = negated ? rule.slice(1) : rule;
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*')}$`);
    if (re.test(path) || re.test(`${path}/x`)) included = negated;
  }
  return included;
}

describe('ingest/Dockerfile', () => {
  const [build, run] = stages();

  it('builds and runs on an exact Node 24 LTS release (not a moving tag), slim at run time', () => {
    expect(stages()).toHaveLength(2);
    expect(build.from).toMatch(/^FROM node:24\.\d+\.\d+-bookworm AS build$/i);
    expect(run.from).toMatch(/^FROM node:24\.\d+\.\d+-bookworm-slim$/i);
    expect(build.from.split(' ')[1].replace('-bookworm', '')).toBe(run.from.split(' ')[1].replace('-bookworm-slim', ''));
  });

  it('runs the bundle as the non-root node user with the entry CMD, its browser scripts beside it', () => {
    expect(run.lines).toContain('USER node');
    expect(run.lines.at(-1)).toBe('CMD ["node", "dist/ingest/main.mjs"]');
    expect(run.lines.filter((l) => l.startsWith('COPY'))).toEqual([
      'COPY --from=build --chown=node:node /src/dist/ingest dist/ingest',
      'COPY --from=build --chown=node:node /src/dist/web dist/web',
    ]);
  });

  it('bounds V8\'s young generation in the container (RSS per player)', () => {
    const env = run.lines.find((l) => l.startsWith('ENV'))!;
    expect(env).toMatch(/NODE_OPTIONS="[^"]*--max-semi-space-size=2[^"]*"/);
    expect(env).toMatch(/NODE_OPTIONS="[^"]*--enable-source-maps/);
    expect(env).toMatch(/MALLOC_ARENA_MAX=2/);
    expect(env).toMatch(/MALLOC_MMAP_THRESHOLD_=131072/);
  });

  it('checks health on /healthz at the health port 8079 and exposes every port the NLB forwards to', () => {
    expect(run.lines.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/127\.0\.0\.1:8079\/healthz/);
    expect(run.lines.find((l) => l.startsWith('ENV'))).toMatch(/STREAMGATE_HEALTH_PORT=8079/);
    const exposed = run.lines.find((l) => l.startsWith('EXPOSE'))!.split(/\s+/).slice(1);
    // The SRT target is UDP: Docker needs the /udp suffix, TCP is the default.
    for (const t of INGEST_TARGETS) expect(exposed).toContain(t.listeners[0]!.protocol === 'UDP' ? `${t.containerPort}/udp` : String(t.containerPort));
    expect(exposed).toContain('5554');
    expect(exposed).toContain(String(HEALTH_CHECK_PORT));
  });

  it('copies only files that .dockerignore lets into the build context', () => {
    const sources = contextCopies().flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(inContext(s), s).toBe(true);
    expect(inContext('node_modules')).toBe(false);
    expect(inContext('cdk.out')).toBe(false);
    expect(inContext('.data')).toBe(false);
    expect(inContext('test/fixtures/x.flv')).toBe(false);
  });

  describe.skipIf(!ingestMainIsReady())('build stage', () => {
    const work = mkdtempSync(join(tmpdir(), 'streamgate-docker-context-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('bundles the ingest from exactly the files it copies (what docker build would see)', async () => {
      for (const { sources, dest } of contextCopies()) {
        for (const s of sources) {
          const target = sources.length > 1 || dest.endsWith('/') || dest === './' ? join(work, dest, s.split('/').at(-1)!) : join(work, dest);
          cpSync(join(repoRoot, s), target, { recursive: true });
        }
      }
      // `npm ci` in the image installs node_modules; borrow ours.
      symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'), 'dir');
      const script = await loadBuildScript();
      // `--only ingest` (the Dockerfile's RUN) builds the ingest and its browser scripts.
      const outputs = await script.buildAll({ root: work, outdir: join(work, 'dist'), only: 'ingest' });
      const outfiles = outputs.map((o) => o.outfile);
      expect(outfiles).toContain(join(work, 'dist', 'ingest', 'main.mjs'));
      expect(outfiles).toContain(join(work, 'dist', 'web', 'player.js'));
      for (const f of outfiles) expect(existsSync(f), f).toBe(true);
    });
  });
});
