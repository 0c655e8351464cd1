import { describe, expect, it } from 'vitest';
import { parseSrtStreamId } from '#ingest/protocols/srt/srt-stream-id.js';
import { expectCode } from '#test/support/expect-code.js';

describe('parseSrtStreamId', () => {
  const cases: [string, ReturnType<typeof parseSrtStreamId>][] = [
    ['publish:live/cam1:alice:PASS', { mode: 'publish', path: 'live/cam1', user: 'alice', password: 'PASS' }],
    ['publish:live/cam1:alice:pa:ss', { mode: 'publish', path: 'live/cam1', user: 'alice', password: 'pa:ss' }],
    ['publish:live/cam1', { mode: 'publish', path: 'live/cam1' }],
    ['read:live/cam1', { mode: 'play', path: 'live/cam1' }],
    ['read:live/cam1:bob:pw', { mode: 'play', path: 'live/cam1', user: 'bob', password: 'pw' }],
    ['#!::r=live/cam1,m=publish,u=alice,s=PASS', { mode: 'publish', path: 'live/cam1', user: 'alice', password: 'PASS' }],
    ['#!::r=live/cam1,m=request', { mode: 'play', path: 'live/cam1' }],
    ['#!::u=bob,r=live/cam1,s=pw', { mode: 'play', path: 'live/cam1', user: 'bob', password: 'pw' }],
    ['live/cam1', { mode: 'play', path: 'live/cam1' }],
  ];
  for (const [id, expected] of cases) {
    it(`reads ${JSON.stringify(id)}`, () => expect(parseSrtStreamId(id)).toEqual(expected));
  }

  it('refuses ids that name nothing usable with SRT_BAD_STREAM_ID', () => {
    for (const id of ['', 'publish:', '#!::m=publish', '#!::r=live/x,garbage', 'read:live/x::pw', '#!::r=live/x,s=pw']) {
      expectCode(() => parseSrtStreamId(id), 'SRT_BAD_STREAM_ID');
    }
  });

  it('takes a user without a password (the password is then the SRT passphrase)', () => {
    expect(parseSrtStreamId('publish:live/x:alice')).toEqual({ mode: 'publish', path: 'live/x', user: 'alice' });
    expect(parseSrtStreamId('#!::r=live/x,m=request,u=bob')).toEqual({ mode: 'play', path: 'live/x', user: 'bob' });
  });

  it('refuses a mode other than publish/read (m= publish/request) with SRT_BAD_MODE', () => {
    for (const id of ['play:live/x', 'bogus:live/x', '#!::r=live/x,m=bidirectional']) {
      expectCode(() => parseSrtStreamId(id), 'SRT_BAD_MODE');
    }
  });
});
