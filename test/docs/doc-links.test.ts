import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README is a front page that links every page of docs/, and no link between them is broken
// (a moved section leaves no dangling file or #anchor behind).

const PAGES = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1])));
}

/** Every relative markdown link of a page: [text](target). */
function linksOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
}

describe('README and docs links', () => {
  it('headingAnchor makes the anchors GitHub makes', () => {
    expect(headingAnchor('Players (HTTP-FLV and HLS)')).toBe('players-http-flv-and-hls');
    expect(headingAnchor('LocalStack (`cdklocal`)')).toBe('localstack-cdklocal');
    expect(headingAnchor('Every way in and out')).toBe('every-way-in-and-out');
  });

  it('the README is a front page of at most 150 lines that links every page of docs/', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(150);
    const linked = new Set(linksOf('README.md').map((l) => l.split('#')[0]));
    const unlinked = PAGES.filter((p) => p !== 'README.md' && !linked.has(p));
    expect(unlinked).toEqual([]);
  });

  it('every relative link names a file that exists, and a heading that exists in it', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const link of linksOf(page)) {
        const [path, anchor] = link.split('#');
        const target = path === '' ? page : normalize(join(dirname(page), path));
        if (!existsSync(target)) broken.push(`${page}: ${link} (no ${target})`);
        else if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor)) broken.push(`${page}: ${link} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
