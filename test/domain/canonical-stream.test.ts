import { describe, expect, it } from 'vitest';
import { canonicalStream, StreamNameError, STREAM_PATH_MAX_LENGTH } from '#domain/canonical-stream.js';
import { decideAcl, grantMatches } from '#domain/decide-acl.js';
import { foldNameCase } from '#domain/fold-name-case.js';

/** Every way a client can split `path` into (app, stream) at one of its slashes. */
function splits(path: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) out.push([path.slice(0, i), path.slice(i + 1)]);
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof StreamNameError) return err.code;
    throw err;
  }
}

describe('canonicalStream', () => {
  it.each([
    // what the client sent                      app         stream            why
    { parts: ['live', 'feed'], app: 'live', stream: 'feed' }, // RTMP app + name, HTTP /live/feed.flv
    { parts: ['live/feed'], app: 'live', stream: 'feed' }, // SRT streamid / relay path
    { parts: ['live', 'feed', 'x'], app: 'live', stream: 'feed/x' }, // URL segments
    { parts: ['live/carol-x', 'feed'], app: 'live', stream: 'carol-x/feed' }, // ffmpeg rtmp://h/live/carol-x/feed
    { parts: ['live', 'carol-x/feed'], app: 'live', stream: 'carol-x/feed' }, // same path, other split
    { parts: ['LIVE', 'Cam1'], app: 'live', stream: 'cam1' }, // case folded
    { parts: ['live', 'Cafe\u0301'], app: 'live', stream: 'caf\u00e9' }, // decomposed é → NFC
    { parts: ['live', 'my stream'], app: 'live', stream: 'my stream' }, // spaces are name characters
    { parts: ['live', 'cam-*'], app: 'live', stream: 'cam-*' },
    { parts: ['a', 'b'.repeat(256)], app: 'a', stream: 'b'.repeat(256) },
  ])('$parts → $app + $stream', ({ parts, app, stream }) => {
    expect(canonicalStream(...parts)).toEqual({ app, stream, path: `${app}/${stream}` });
  });

  it.each([
    { parts: [], code: 'STREAM_NAME_INCOMPLETE' },
    { parts: [''], code: 'STREAM_NAME_INCOMPLETE' },
    { parts: ['live'], code: 'STREAM_NAME_INCOMPLETE' },
    { parts: ['live', ''], code: 'STREAM_NAME_INCOMPLETE' },
    { parts: ['live/'], code: 'STREAM_NAME_INCOMPLETE' },
    { parts: ['', 'feed'], code: 'STREAM_NAME_BAD_SEGMENT' }, // RTMP app "" or "/feed"
    { parts: ['live//feed'], code: 'STREAM_NAME_BAD_SEGMENT' },
    { parts: ['live', '../admin'], code: 'STREAM_NAME_BAD_SEGMENT' },
    { parts: ['live', './x'], code: 'STREAM_NAME_BAD_SEGMENT' },
    { parts: ['live', 'a\\b'], code: 'STREAM_NAME_BAD_CHARACTER' },
    { parts: ['live', 'a\u0000'], code: 'STREAM_NAME_BAD_CHARACTER' },
    { parts: ['live', 'a\nb'], code: 'STREAM_NAME_BAD_CHARACTER' },
    { parts: ['live', 'a\u0085'], code: 'STREAM_NAME_BAD_CHARACTER' },
    { parts: ['live', 'feed?user=x'], code: 'STREAM_NAME_BAD_CHARACTER' }, // query not split off (or %3F)
    { parts: ['a'.repeat(257), 'b'], code: 'STREAM_NAME_TOO_LONG' },
    { parts: ['a', 'b'.repeat(STREAM_PATH_MAX_LENGTH)], code: 'STREAM_NAME_TOO_LONG' },
    { parts: ['a', 'b'.repeat(100_000)], code: 'STREAM_NAME_TOO_LONG' },
  ])('$parts is refused with $code', ({ parts, code }) => {
    expect(codeOf(() => canonicalStream(...parts))).toBe(code);
  });

  it('gives every split of one path the same identity', () => {
    for (const path of ['live/carol-x/feed', 'a/b/c/d/e', 'Live/Sub/Cam1']) {
      const ids = splits(path).map(([app, stream]) => canonicalStream(app, stream));
      for (const id of ids) expect(id).toEqual(canonicalStream(path));
    }
  });

  it('is idempotent and agrees with foldNameCase on random names', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'Z', '/', '-', '.', ' ', '\u0130', '\u00c9', 'e\u0301', '\u212a', '\u03a3', '\u1e9e', 'ß', '*', '%'];
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const name = Array.from({ length: 1 + rnd(12) }, () => alphabet[rnd(alphabet.length)]).join('');
      expect(foldNameCase(foldNameCase(name))).toBe(foldNameCase(name));
      let id;
      try {
        id = canonicalStream(name);
      } catch (err) {
        expect(err).toBeInstanceOf(StreamNameError);
        continue;
      }
      accepted++;
      expect(canonicalStream(id.path)).toEqual(id);
      expect(canonicalStream(id.app, id.stream)).toEqual(id);
      expect(id.app.includes('/')).toBe(false);
    }
    expect(accepted).toBeGreaterThan(200);
  });
});

describe('ACL on the canonical identity', () => {
  const carol = { enabled: true, grants: { publish: ['live/carol-*'], play: ['live/carol-*'] }, ipRanges: [] };
  const mallory = { enabled: true, grants: { publish: ['feed'], play: ['feed'] }, ipRanges: [] };
  const ask = (app: string, stream: string) => ({ userName: 'u', action: 'publish' as const, app, stream, ip: '192.0.2.1' });

  it('decides a path the same way whichever split carries it (the carol attack)', () => {
    for (const [app, stream] of splits('live/carol-x/feed')) {
      expect(decideAcl(mallory, ask(app, stream)).allowed).toBe(false);
      expect(decideAcl(carol, ask(app, stream)).allowed).toBe(true);
    }
  });

  it('matches grants and names with the same case rule', () => {
    for (const [app, stream] of [
      ['live', 'carol-1'],
      ['LIVE', 'Carol-1'],
      ['Live', 'CAROL-1?token=x'],
    ] as const) {
      expect(grantMatches('Live/Carol-*', app, stream)).toBe(true);
      expect(decideAcl(carol, ask(app, stream)).allowed).toBe(true);
    }
  });

  it('keeps the old meaning of one-segment apps: a STREAM grant works in any app', () => {
    expect(decideAcl(mallory, ask('live', 'feed')).allowed).toBe(true);
    expect(decideAcl(mallory, ask('other', 'Feed?x=1')).allowed).toBe(true);
    expect(decideAcl(mallory, ask('live/sub', 'feed')).allowed).toBe(false);
  });

  it('answers invalid_stream for a name that is not a canonical stream', () => {
    expect(decideAcl(mallory, ask('live', '../feed')).reason).toBe('invalid_stream');
    expect(decideAcl(mallory, ask('live', '?x')).reason).toBe('invalid_stream');
    expect(decideAcl(mallory, ask('', 'feed')).reason).toBe('invalid_stream');
  });
});
