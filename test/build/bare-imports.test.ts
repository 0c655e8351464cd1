import { describe, expect, it } from 'vitest';
import { bareImports } from './bare-imports.js';

describe('bareImports', () => {
  it.each([
    ['a named import', 'import { WebSocket } from "ws";', ['ws']],
    ['a default import in single quotes', "import dynalite from 'dynalite';", ['dynalite']],
    ['a multi-line import', 'const a = 1;\nimport {\n  a as b,\n  c\n} from "pkg";\n', ['pkg']],
    ['a re-export', 'export * from "lib";\nexport { x } from \'lib2\';', ['lib', 'lib2']],
    ['a side-effect import', 'import "polyfill";', ['polyfill']],
    ['a dynamic import', 'const m = await import( "dyn" );', ['dyn']],
    ['minified statements on one line', 'import{a}from"node:fs";import{b}from"x";function f(){}import"y"', ['x', 'y']],
  ])('finds %s', (_name, code, expected) => {
    expect(bareImports(code).sort()).toEqual([...expected].sort());
  });

  it.each([
    ['Node built-ins', 'import { readFile } from "node:fs/promises";\nimport("node:net");', []],
    ['the word from before a quote in a list of strings', "const UNSIGNABLE = new Set([\n  'expect',\n  'from',\n  'keep-alive',\n]);", []],
    ['import text inside a string literal', 'const help = "write: import x from \'y\'";\nlog(`copied from "a" to "b"`);', []],
    ['an identifier named from', 'const from = "a"; const to = from + "b";', []],
  ])('ignores %s', (_name, code, expected) => {
    expect(bareImports(code)).toEqual(expected);
  });
});
