import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = process.cwd();
const web = (JSON.parse(readFileSync(join(root, 'infra', 'bundle-options.json'), 'utf8')) as { web: { target: string[]; minify: boolean } }).web;
/** The player libraries the preview uses (shared with the player page), left out of the budget. */
const PLAYER_LIBRARIES = ['mpegts.js', 'hls.js', 'hls.js/light'];
/** The console's own code and styles, gzipped, without the player libraries. */
const BUDGET_GZIP_BYTES = 150 * 1024;

async function gzipSizes(external: string[]): Promise<Record<string, { bytes: number; gzip: number }>> {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { console: 'ingest/web/console/main.ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: web.target,
    minify: web.minify,
    legalComments: 'none',
    external,
    outdir: join(root, 'dist', 'web'),
    write: false,
    logLevel: 'silent',
  });
  const out: Record<string, { bytes: number; gzip: number }> = {};
  for (const f of result.outputFiles) out[f.path.slice(f.path.lastIndexOf('/') + 1)] = { bytes: f.contents.byteLength, gzip: gzipSync(f.contents, { level: 9 }).byteLength };
  return out;
}

describe('the web console bundle', () => {
  it(`stays under ${BUDGET_GZIP_BYTES / 1024} KiB gzip without the player libraries`, async () => {
    const own = await gzipSizes(PLAYER_LIBRARIES);
    const total = Object.values(own).reduce((n, f) => n + f.gzip, 0);
    const all = await gzipSizes([]);
    console.log(`console bundle: own code ${JSON.stringify(own)}; with player libraries ${JSON.stringify(all)}`);
    expect(Object.keys(own).sort()).toEqual(['console.css', 'console.js']);
    expect(total).toBeLessThan(BUDGET_GZIP_BYTES);
  });

  it('never parses text as HTML: no innerHTML, outerHTML, insertAdjacentHTML or document.write in its sources', () => {
    const dir = join(root, 'ingest', 'web', 'console');
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => (/\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write)\b/.test(readFileSync(join(dir, f), 'utf8')) ? [f] : []));
    expect(offenders).toEqual([]);
  });
});
