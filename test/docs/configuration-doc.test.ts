import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '#ingest/config.js';

// docs/configuration.md is the one list of settings: every STREAMGATE_* name the code mentions
// is on it, and the ingest's rows carry the defaults config.ts applies.

const DOC = 'docs/configuration.md';
const SOURCE_DIRS = ['ingest', 'functions', 'cli', 'domain', 'infra', 'bin', 'scripts'];

function sourceFiles(): string[] {
  return SOURCE_DIRS.flatMap((dir) =>
    (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name))
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)),
  );
}

/** Every STREAMGATE_* name in the source, with one file that mentions it. */
function variablesInCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles()) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bSTREAMGATE_[A-Z0-9_]*[A-Z0-9]\b/g)) {
      if (!found.has(m[0])) found.set(m[0], file);
    }
  }
  return found;
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(DOC, 'utf8');

  it('names every STREAMGATE_* variable the code mentions', () => {
    const found = variablesInCode();
    expect(found.size).toBeGreaterThan(60);
    const missing = [...found].filter(([name]) => !doc.includes(`\`${name}\``)).map(([name, file]) => `${name} (${file})`);
    expect(missing, `add these to ${DOC}`).toEqual([]);
  });

  it("gives each ingest variable the default config.ts applies", () => {
    const wrong: string[] = [];
    for (const spec of Object.values(CONFIG_VARIABLES)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${spec.env}\` |`));
      const expected = spec.default === '' ? 'unset' : `\`${spec.default}\``;
      const actual = row?.split('|')[2]?.trim();
      if (actual !== expected) wrong.push(`${spec.env}: doc says ${actual ?? '(no row)'}, config.ts ${expected}`);
    }
    expect(wrong).toEqual([]);
  });

  it('names no variable the code does not know (a renamed setting leaves no stale row)', () => {
    const known = new Set([...variablesInCode().keys(), ...Object.values(CONFIG_VARIABLES).map((s) => s.env)]);
    const stale = [...new Set(doc.match(/\bSTREAMGATE_[A-Z0-9_]*[A-Z0-9]\b/g) ?? [])].filter((n) => !known.has(n));
    expect(stale).toEqual([]);
  });
});
