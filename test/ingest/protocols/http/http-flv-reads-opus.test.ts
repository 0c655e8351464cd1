import { describe, expect, it } from 'vitest';
import { httpFlvReadsOpus } from '#ingest/protocols/http/http-flv-reads-opus.js';

describe('httpFlvReadsOpus (an HTTP-FLV request announcing Enhanced FLV Opus)', () => {
  const cases: [query: string, reads: boolean][] = [
    ['', false],
    ['user=a&pass=b', false],
    ['fourCcList=Opus', true],
    ['fourCcList=avc1,Opus', true],
    ['fourCcList=avc1&fourCcList=Opus', true],
    ['fourCcList=*', true],
    ['fourCcList=%2A', true],
    ['fourCcList=avc1,hvc1', false],
    ['fourCcList=opus', false],
    ['user=a&fourCcList=Opus&pass=b', true],
  ];
  for (const [query, reads] of cases) {
    it(`${reads ? 'reads' : 'does not read'} Opus for "${query}"`, () => {
      expect(httpFlvReadsOpus(query)).toBe(reads);
    });
  }
});
