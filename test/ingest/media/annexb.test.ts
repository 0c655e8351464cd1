import { describe, expect, it } from 'vitest';
import { annexBToAvcc, avccToAnnexB, joinAnnexB, joinAvcc, splitAnnexB, splitAvcc } from '#ingest/media/annexb.js';
import { hex } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

const cases = [
  {
    name: 'SPS, PPS and IDR slice with 4- and 3-byte start codes',
    annexB: hex(`00000001 6742c01e   # start code, SPS (type 7)
                 000001   68ce3c80   # 3-byte start code, PPS (type 8)
                 00000001 65888400   # IDR slice ending in a zero byte that belongs to the trailing zeros`),
    nals: [hex('6742c01e'), hex('68ce3c80'), hex('658884')],
  },
  {
    name: 'one slice after leading garbage',
    annexB: hex('ffee 000001 4101'),
    nals: [hex('4101')],
  },
];

describe('annexb', () => {
  for (const c of cases) {
    it(`splits ${c.name}`, () => {
      expect(splitAnnexB(c.annexB)).toEqual(c.nals);
    });
  }

  it('converts Annex-B to AVCC and back', () => {
    const avcc = annexBToAvcc(cases[0].annexB);
    expect(avcc).toEqual(hex('00000004 6742c01e 00000004 68ce3c80 00000003 658884'));
    expect(splitAvcc(avcc)).toEqual(cases[0].nals);
    expect(avccToAnnexB(avcc)).toEqual(joinAnnexB(cases[0].nals));
    expect(joinAvcc(cases[0].nals)).toEqual(avcc);
  });

  it('refuses an AVCC length running past the end', () => {
    expectCode(() => splitAvcc(hex('00000009 6742')), 'AVCC_BAD_LENGTH');
    expectCode(() => splitAvcc(hex('0000')), 'AVCC_BAD_LENGTH');
  });

  it('splits 2-byte length prefixes', () => {
    expect(splitAvcc(hex('0002 abcd 0001 ef'), 2)).toEqual([hex('abcd'), hex('ef')]);
  });

  it('only ever raises ProtocolError on mutated AVCC', () => {
    fuzz([annexBToAvcc(cases[0].annexB)], (b) => {
      splitAvcc(b);
      splitAnnexB(b);
    });
  });
});
