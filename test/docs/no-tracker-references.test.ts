import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Comments and test names give the reason, not a tracker number that outside readers cannot open.

const DIRS = ['ingest', 'functions', 'cli', 'domain', 'infra', 'bin', 'scripts', 'bench', 'test'];

describe('code comments', () => {
  it('cite no tracker issue numbers', () => {
    const hits: string[] = [];
    for (const dir of DIRS) {
      for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!e.isFile() || !/\.(ts|mts|js|mjs)$/.test(e.name)) continue;
        const file = join(e.parentPath, e.name);
        if (file.includes('node_modules') || file.startsWith(join('bench', 'peers'))) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/\bissues? #?\d+\b/i.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(hits).toEqual([]);
  });
});
