#!/usr/bin/env node
/**
 * `npm start`: bundles the CLI from the sources (esbuild, about a second, every start, so an edit
 * is picked up as with tsx) and runs the bundle in this process: `node scripts/start.mjs start …`
 * is `streamgate start …` without tsx at run time. Measured idle (ingest + functions + embedded
 * store, bench/README.md): 191 MB through tsx (its process plus its esbuild service) → 90 MB.
 *
 * npm packages stay imports (resolved from node_modules as before). Every `import.meta.url` keeps
 * the value it has in its own source file, so files found beside the sources (package.json, the
 * browser apps in ingest/web, the cluster member entry that `--cluster` forks through tsx) are
 * found as before.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { build, stop } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, '.cache', 'start', 'cli.mjs');

/** Replaces import.meta.url in our TypeScript sources by the source file's own URL. */
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: [join(root, 'cli', 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // Beside the bundle, read only with NODE_OPTIONS=--enable-source-maps (kept in memory then).
  sourcemap: true,
  sourcesContent: false,
  plugins: [sourceUrls],
  logLevel: 'warning',
});
// The esbuild service process is not needed any more (it would hold ~50 MB while the stack runs).
await stop();
// The young generation bounded as in the container (ingest/Dockerfile): V8 reads the flag when it
// sizes the heap next, which is after this point for a process that has only bundled so far.
setFlagsFromString('--max-semi-space-size=2');
// The SDK warns on every start that its 2027 releases need Node 22; the pinned version runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import(pathToFileURL(outfile).href);
