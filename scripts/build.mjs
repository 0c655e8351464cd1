#!/usr/bin/env node
/**
 * Production bundles with esbuild, the same options CDK's NodejsFunction uses (both read
 * infra/bundle-options.json):
 *
 *   dist/ingest/main.mjs              the ingest server (node24, ESM, sourcemap) — what ingest/Dockerfile runs
 *   dist/web/<app>.js                 one minified browser script per ingest/web/<app>/main.ts (the player
 *                                     page's, the console's), served by the ingest under /web/
 *   dist/functions/<name>/index.mjs   one Lambda bundle per Hono app (node24, ESM, sourcemap)
 *
 * The AWS SDK is bundled into the function bundles rather than left to the Lambda runtime: the
 * file we test (test/build/function-bundles.test.ts) is then byte-for-byte the program that runs,
 * with the SDK version pinned in package-lock.json instead of whatever the runtime ships.
 *
 * `--only ingest` builds the ingest and its browser apps (what the image ships).
 *
 * Usage: node scripts/build.mjs [--only ingest|web|functions] [--outdir DIR]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The repository root (the folder that holds package.json). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The shared esbuild options, as infra/bundle-options.json states them. */
export const bundleOptions = JSON.parse(
  readFileSync(join(repoRoot, 'infra', 'bundle-options.json'), 'utf8'),
);

/** Names of the Lambda apps (token, acl, users). */
export const functionNames = Object.keys(bundleOptions.functions.entries);

/** Options every bundle shares: Node platform, ESM output with a `require` for CJS dependencies. */
function commonOptions(root) {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    sourcemap: true,
    // Stack traces need the mappings, not the sources: --enable-source-maps keeps the whole map in
    // memory, and the sources were most of it (idle RSS of the ingest 74 → 65–67 MB, bench/README.md).
    sourcesContent: false,
    banner: { js: bundleOptions.banner },
    logLevel: 'warning',
  };
}

/**
 * Bundles the ingest server.
 * @param {{ root?: string, outdir?: string }} [options] outdir defaults to `<root>/dist`
 * @returns {Promise<{ outfile: string, bytes: number }>}
 */
export async function buildIngest({ root = repoRoot, outdir = join(root, 'dist') } = {}) {
  const o = bundleOptions.ingest;
  const outfile = join(outdir, 'ingest', 'main.mjs');
  await build({
    ...commonOptions(root),
    entryPoints: [join(root, o.entry)],
    outfile,
    target: o.target,
    minifyWhitespace: o.minifyWhitespace,
    external: o.external,
  });
  return { outfile, bytes: statSync(outfile).size };
}

/**
 * Bundles every browser app (`ingest/web/<app>/main.ts`) into `<outdir>/web/<app>.js`: browser
 * platform, one minified IIFE per app with its npm dependencies (mpegts.js, hls.js) inside.
 * @param {{ root?: string, outdir?: string }} [options] outdir defaults to `<root>/dist`
 * @returns {Promise<Array<{ outfile: string, bytes: number }>>}
 */
export async function buildWeb({ root = repoRoot, outdir = join(root, 'dist') } = {}) {
  const o = bundleOptions.web;
  const sourceDir = join(root, o.sourceDir);
  const apps = readdirSync(sourceDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(sourceDir, d.name, 'main.ts')))
    .map((d) => d.name)
    .sort();
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(apps.map((app) => [app, join(sourceDir, app, 'main.ts')])),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: o.target,
    minify: o.minify,
    legalComments: 'none',
    outdir: join(outdir, 'web'),
    metafile: true,
    logLevel: 'warning',
  });
  return Object.keys(result.metafile.outputs).map((file) => {
    const outfile = resolve(root, file);
    return { outfile, bytes: statSync(outfile).size };
  });
}

/**
 * Bundles one Lambda app the way CDK deploys it.
 * @param {string} name one of {@link functionNames}
 * @param {{ root?: string, outdir?: string }} [options] outdir defaults to `<root>/dist`
 * @returns {Promise<{ outfile: string, bytes: number }>}
 */
export async function buildFunction(name, { root = repoRoot, outdir = join(root, 'dist') } = {}) {
  const o = bundleOptions.functions;
  const entry = o.entries[name];
  if (entry === undefined) throw new Error(`unknown function "${name}" (known: ${functionNames.join(', ')})`);
  const outfile = join(outdir, 'functions', name, 'index.mjs');
  await build({
    ...commonOptions(root),
    entryPoints: [join(root, entry)],
    outfile,
    target: o.target,
    mainFields: o.mainFields,
    external: o.external,
    minify: o.minify,
  });
  return { outfile, bytes: statSync(outfile).size };
}

/**
 * Builds the ingest and every function bundle.
 * @param {{ root?: string, outdir?: string, only?: 'ingest' | 'web' | 'functions' }} [options]
 * @returns {Promise<Array<{ outfile: string, bytes: number }>>}
 */
export async function buildAll({ only, ...options } = {}) {
  const jobs = [];
  if (only === undefined || only === 'ingest') jobs.push(buildIngest(options));
  if (only === undefined || only === 'ingest' || only === 'web') jobs.push(buildWeb(options));
  if (only === undefined || only === 'functions') jobs.push(...functionNames.map((n) => buildFunction(n, options)));
  return (await Promise.all(jobs)).flat();
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if ((flag === '--only' || flag === '--outdir') && value !== undefined) {
      if (flag === '--only' && value !== 'ingest' && value !== 'web' && value !== 'functions') {
        throw new Error(`--only takes "ingest", "web" or "functions", not "${value}"`);
      }
      args[flag.slice(2)] = flag === '--outdir' ? resolve(value) : value;
      i++;
    } else {
      throw new Error(`unknown argument "${flag}" (usage: node scripts/build.mjs [--only ingest|web|functions] [--outdir DIR])`);
    }
  }
  return args;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const outputs = await buildAll(parseArgs(process.argv.slice(2)));
    for (const { outfile, bytes } of outputs) {
      console.log(`${outfile.replace(`${repoRoot}/`, '')}  ${(bytes / 1024).toFixed(1)} KiB`);
    }
  } catch (err) {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
