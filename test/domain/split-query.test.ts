import { describe, expect, it } from 'vitest';
import { splitQuery } from '#domain/split-query.js';

describe('splitQuery', () => {
  it.each([
    ['', []],
    ['?', []],
    ['a=1', [['a', '1']]],
    ['?a=1&b=2', [['a', '1'], ['b', '2']]],
    ['a=1&&b', [['a', '1'], ['b', '']]],
    ['salt=ab+/c==&x=%20', [['salt', 'ab+/c=='], ['x', '%20']]],
    ['=v&k=', [['', 'v'], ['k', '']]],
  ] as [string, [string, string][]][])('splits %j on & and the first =, decoding nothing', (query, pairs) => {
    expect(splitQuery(query)).toEqual(pairs);
  });
});
