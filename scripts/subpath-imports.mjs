#!/usr/bin/env node
/**
 * Codemod: replaces deep relative imports (`../../…`, and any relative import into another part of
 * the tree) with the package's subpath imports, and declares them in package.json "imports":
 *
 *   #domain/*    → ./domain/src/*      #ingest/*  → ./ingest/src/*    #functions/* → ./functions/src/*
 *   #cli/*       → ./cli/src/*         #infra/*   → ./infra/*         #test/*      → ./test/*
 *
 * Node, tsx, TypeScript (NodeNext), esbuild and vitest all resolve these, `.js` specifiers to
 * `.ts` sources included. Only TypeScript files are rewritten (plain-node `.mjs` scripts cannot
 * import `.ts` anyway). Imports within one folder (`./x.js`) and one level up (`../x.js`) inside
 * the same part stay relative. Running it again changes nothing, so a branch can be rebased by
 * re-running it. Usage: node scripts/subpath-imports.mjs [--check]   (--check: exit 1 if it would
 * change anything)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const AREAS = [
  ['#domain/', 'domain/src/'],
  ['#ingest/', 'ingest/src/'],
  ['#functions/', 'functions/src/'],
  ['#cli/', 'cli/src/'],
  ['#infra/', 'infra/'],
  ['#test/', 'test/'],
];
const SCAN = ['domain', 'ingest', 'functions', 'cli', 'infra', 'test', 'bench', 'scripts'];
const SKIP = ['node_modules', 'test/fixtures', 'bench/peers', 'bench/results', 'cdk.out', 'dist'];
const check = process.argv.includes('--check');

/** The area (by its folder) a repository-relative path lies in, if any. */
function areaOf(path) {
  return AREAS.find(([, folder]) => path.startsWith(folder));
}

function* files(dir) {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    if (SKIP.some((s) => path === s || path.startsWith(`${s}/`))) continue;
    if (e.isDirectory()) yield* files(path);
    else if (/\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) yield path;
  }
}

/** The specifier to write instead of `spec` in `file`, or undefined to leave it. */
function rewrite(file, spec) {
  if (!spec.startsWith('../')) return undefined;
  const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).split(sep).join('/');
  const to = areaOf(target);
  if (to === undefined) return undefined;
  const from = areaOf(file);
  const deep = spec.startsWith('../../');
  if (!deep && from === to) return undefined;
  return to[0] + target.slice(to[1].length);
}

// `from '…'`, `import '…'`, `import('…')`, `vi.mock('…')`, `export … from '…'`
const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\bvi\.mock\(\s*)(['"])(\.\.\/[^'"]+)\2/g;

let changedFiles = 0;
let changedImports = 0;
for (const dir of SCAN) {
  for (const file of files(dir)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    let n = 0;
    const out = text.replace(SPECIFIER, (whole, lead, quote, spec) => {
      const next = rewrite(file, spec);
      if (next === undefined) return whole;
      n++;
      return `${lead}${quote}${next}${quote}`;
    });
    if (n > 0) {
      changedFiles++;
      changedImports += n;
      if (!check) writeFileSync(join(ROOT, file), out);
    }
  }
}

const pkgPath = join(ROOT, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
const imports = Object.fromEntries(AREAS.map(([alias, folder]) => [`${alias}*`, `./${folder}*`]));
const pkgChanged = JSON.stringify(pkg.imports) !== JSON.stringify(imports);
if (pkgChanged && !check) {
  // "imports" goes right after "bin" (key order kept otherwise).
  const next = {};
  for (const [k, v] of Object.entries(pkg)) {
    if (k === 'imports') continue;
    next[k] = v;
    if (k === 'bin') next.imports = imports;
  }
  if (next.imports === undefined) next.imports = imports;
  writeFileSync(pkgPath, `${JSON.stringify(next, null, 2)}\n`);
}

process.stdout.write(`${check ? 'would rewrite' : 'rewrote'} ${changedImports} imports in ${changedFiles} files${pkgChanged ? '; package.json imports ' + (check ? 'would be set' : 'set') : ''}\n`);
if (check && (changedImports > 0 || pkgChanged)) process.exit(1);
