import { describe, expect, it } from 'vitest';
import { playerReadsOpus } from '#ingest/protocols/rtmp/player-reads-opus.js';

describe('playerReadsOpus (from the connect command object)', () => {
  it.each([
    ['FFmpeg 5.1 / librtmp: nothing announced', { app: 'live', flashVer: 'LNX 9,0,124,2' }, false],
    ['FFmpeg 6.1: video fourccs only', { fourCcList: ['av01', 'vp09', 'hvc1'] }, false],
    ['fourCcList with Opus', { fourCcList: ['hvc1', 'Opus'] }, true],
    ['fourCcList wildcard', { fourCcList: ['*'] }, true],
    ['E-RTMP v2 audioFourCcInfoMap', { audioFourCcInfoMap: { Opus: 1, mp4a: 1 } }, true],
    ['audioFourCcInfoMap without Opus', { audioFourCcInfoMap: { mp4a: 1 } }, false],
    ['a malformed list', { fourCcList: 'Opus', audioFourCcInfoMap: ['Opus'] }, false],
  ])('%s → %s', (_name, object, expected) => expect(playerReadsOpus(object)).toBe(expected));
});
