import { describe, expect, it } from 'vitest';
import { RtspDecoder } from '#ingest/protocols/rtsp/rtsp-decoder.js';
import { encodeInterleavedFrame, getHeader, type RtspResponse } from '#ingest/protocols/rtsp/rtsp-message.js';
import { RtspRequestError } from '#ingest/protocols/rtsp/rtsp-request-error.js';
import { RtspServerSession, type RtspSessionEvent, type RtspSessionState } from '#ingest/protocols/rtsp/rtsp-server-session.js';
import { expectCode } from '#test/support/expect-code.js';

const URL = 'rtsp://h/live/a';
const SDP = [
  'v=0',
  'o=- 0 0 IN IP4 127.0.0.1',
  's=a',
  't=0 0',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'a=control:streamid=0',
  'm=audio 0 RTP/AVP 97',
  'a=rtpmap:97 MPEG4-GENERIC/44100/2',
  'a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210',
  'a=control:streamid=1',
  '',
].join('\r\n');

/** A session whose server accepts everything at once (or holds requests when `hold` is set); answers decoded. */
function harness(opts: { hold?: boolean } = {}) {
  const decoder = new RtspDecoder();
  const answers: RtspResponse[] = [];
  const events: RtspSessionEvent[] = [];
  const held: RtspSessionEvent[] = [];
  let cseq = 0;
  const session: RtspServerSession = new RtspServerSession({
    send: (bytes) => {
      for (const u of decoder.push(bytes)) if (u.type === 'response') answers.push(u);
    },
    onEvent: (e) => {
      events.push(e);
      if (opts.hold && (e.type === 'announce' || e.type === 'describe' || e.type === 'setup' || e.type === 'play')) held.push(e);
      else decide(session, e);
    },
    sessionTimeoutSeconds: 60,
    newSessionId: () => '0123456789abcdef',
  });
  const text = (method: string, uri = URL, headers: Record<string, string> = {}, body = ''): string =>
    `${method} ${uri} RTSP/1.0\r\nCSeq: ${++cseq}\r\n${Object.entries({ ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n${body}`;
  /** Sends one request and returns its answer (undefined when the server holds it). */
  const request = (method: string, uri = URL, headers: Record<string, string> = {}, body = ''): RtspResponse | undefined => {
    const before = answers.length;
    session.feed(Buffer.from(text(method, uri, headers, body)));
    return answers.length > before ? answers.at(-1) : undefined;
  };
  return { session, answers, events, held, request, text };
}

function decide(session: RtspServerSession, e: RtspSessionEvent): void {
  if (e.type === 'announce') session.acceptAnnounce();
  else if (e.type === 'describe') session.acceptDescribe([0, 1], [['Content-Type', 'application/sdp']], new Uint8Array(0));
  else if (e.type === 'setup') session.acceptSetup(e.track, e.interleaved ? { protocol: 'tcp', delivery: 'unicast', interleaved: e.interleaved } : { protocol: 'udp', delivery: 'unicast', serverPort: [5000, 5001] });
  else if (e.type === 'play') session.acceptPlay([]);
}

const tcp = (a: number) => ({ Transport: `RTP/AVP/TCP;unicast;interleaved=${a}-${a + 1}` });

/** A session brought to `state` through real requests (publish: both tracks announced, track 0 set up). */
function inState(state: RtspSessionState) {
  const h = harness();
  if (state === 'pre-play' || state === 'play') {
    h.request('DESCRIBE');
    h.request('SETUP', `${URL}/trackID=0`, tcp(0));
    if (state === 'play') h.request('PLAY');
  }
  if (state === 'pre-record' || state === 'record') {
    h.request('ANNOUNCE', URL, { 'Content-Type': 'application/sdp' }, SDP);
    h.request('SETUP', `${URL}/streamid=0`, tcp(0));
    if (state === 'record') h.request('RECORD');
  }
  expect(h.session.state).toBe(state);
  return h;
}

/** [state, method, status, state after]: every method in every state, answered by the one state check. */
const TABLE: [RtspSessionState, string, number, RtspSessionState][] = [
  ['initial', 'ANNOUNCE', 200, 'pre-record'],
  ['initial', 'DESCRIBE', 200, 'initial'],
  ['initial', 'SETUP', 455, 'initial'],
  ['initial', 'RECORD', 455, 'initial'],
  ['initial', 'PLAY', 455, 'initial'],
  ['initial', 'PAUSE', 455, 'initial'],
  ['initial', 'OPTIONS', 200, 'initial'],
  ['initial', 'GET_PARAMETER', 200, 'initial'],
  ['pre-play', 'ANNOUNCE', 455, 'pre-play'],
  ['pre-play', 'DESCRIBE', 200, 'pre-play'],
  ['pre-play', 'SETUP', 200, 'pre-play'],
  ['pre-play', 'RECORD', 455, 'pre-play'],
  ['pre-play', 'PLAY', 200, 'play'],
  ['pre-play', 'PAUSE', 200, 'pre-play'],
  ['play', 'ANNOUNCE', 455, 'play'],
  ['play', 'DESCRIBE', 200, 'play'],
  ['play', 'SETUP', 455, 'play'],
  ['play', 'RECORD', 455, 'play'],
  ['play', 'PLAY', 200, 'play'],
  ['play', 'PAUSE', 200, 'pre-play'],
  ['play', 'SET_PARAMETER', 200, 'play'],
  ['pre-record', 'ANNOUNCE', 455, 'pre-record'],
  ['pre-record', 'DESCRIBE', 455, 'pre-record'],
  ['pre-record', 'SETUP', 200, 'pre-record'],
  ['pre-record', 'RECORD', 200, 'record'],
  ['pre-record', 'PLAY', 455, 'pre-record'],
  ['pre-record', 'PAUSE', 200, 'pre-record'],
  ['record', 'ANNOUNCE', 455, 'record'],
  ['record', 'DESCRIBE', 455, 'record'],
  ['record', 'SETUP', 455, 'record'],
  ['record', 'RECORD', 200, 'record'],
  ['record', 'PLAY', 455, 'record'],
  // GStreamer's rtspclientsink ends every publish with PAUSE, then TEARDOWN
  ['record', 'PAUSE', 200, 'pre-record'],
  ['record', 'GET_PARAMETER', 200, 'record'],
];

describe('RtspServerSession state check (455 Method Not Valid in This State)', () => {
  it.each(TABLE)('in %s, %s is answered %i and leaves the session in %s', (state, method, status, after) => {
    const h = inState(state);
    const publish = state === 'pre-record' || state === 'record';
    const uri = method === 'SETUP' ? (publish ? `${URL}/streamid=1` : `${URL}/trackID=1`) : URL;
    const headers: Record<string, string> = method === 'SETUP' ? tcp(2) : method === 'ANNOUNCE' ? { 'Content-Type': 'application/sdp' } : {};
    const r = h.request(method, uri, headers, method === 'ANNOUNCE' ? SDP : '');
    expect(r?.status).toBe(status);
    if (status === 455) expect(h.events.at(-1)).toMatchObject({ type: 'refused', error: { code: 'RTSP_METHOD_NOT_VALID_IN_STATE' } });
    expect(h.session.state).toBe(after);
  });

  it('RECORD and PLAY need a set-up track; SETUP with nothing announced or described is refused', () => {
    const h = harness();
    expect(h.request('SETUP', `${URL}/trackID=0`, tcp(0))?.status).toBe(455);
    h.request('ANNOUNCE', URL, { 'Content-Type': 'application/sdp' }, SDP);
    expect(h.session.state).toBe('pre-record');
    expect(h.request('RECORD')?.status).toBe(455);
    const p = harness();
    p.request('DESCRIBE');
    expect(p.session.state).toBe('initial');
    expect(p.request('PLAY')?.status).toBe(455);
  });

  it('a track is set up once, on free channels; a URI naming no track gets 404', () => {
    const h = inState('pre-record');
    expect(h.request('SETUP', `${URL}/streamid=0`, tcp(4))?.status).toBe(455);
    expect(h.request('SETUP', `${URL}/streamid=1`, tcp(0))?.status).toBe(461);
    expect(h.request('SETUP', `${URL}/streamid=7`, tcp(4))?.status).toBe(404);
    const ok = h.request('SETUP', `${URL}/streamid=1`, tcp(4));
    expect(ok?.status).toBe(200);
    expect(getHeader(ok!, 'Transport')).toBe('RTP/AVP/TCP;unicast;interleaved=4-5');
    expect(getHeader(ok!, 'Session')).toBe('0123456789abcdef;timeout=60');
  });
});

describe('RtspServerSession requests', () => {
  it('answers without CSeq 400, an unknown method 501, another session id 454', () => {
    const h = inState('pre-play');
    h.session.feed(Buffer.from('OPTIONS * RTSP/1.0\r\n\r\n'));
    expect(h.answers.at(-1)?.status).toBe(400);
    expect(h.request('FLY')?.status).toBe(501);
    expect(h.request('PLAY', URL, { Session: 'ffff' })?.status).toBe(454);
    expect(h.request('PLAY', URL, { Session: '0123456789abcdef' })?.status).toBe(200);
  });

  it('an ANNOUNCE with a track we cannot take is refused there, saying which track and why', () => {
    const h = harness();
    const sdp = SDP.replace('MPEG4-GENERIC/44100/2', 'PCMU/8000');
    const r = h.request('ANNOUNCE', URL, { 'Content-Type': 'application/sdp' }, sdp);
    expect(r?.status).toBe(415);
    expect(r?.reason).toMatch(/^Unsupported Media Type \(track 1 \(audio\): PCMU\/8000 is not supported; .*MP4A-LATM/);
    expect(h.events.at(-1)).toMatchObject({ type: 'refused', error: { code: 'RTSP_UNSUPPORTED_TRACK' } });
    expect(h.session.state).toBe('initial');
  });

  it('requests pipelined behind one the server is deciding on are answered after it, in order', () => {
    const h = harness({ hold: true });
    h.session.feed(Buffer.from(h.text('DESCRIBE') + h.text('OPTIONS', '*') + h.text('GET_PARAMETER')));
    expect(h.answers).toHaveLength(0);
    const describe = h.held.shift()!;
    expect(describe.type).toBe('describe');
    decide(h.session, describe);
    expect(h.answers.map((a) => getHeader(a, 'CSeq'))).toEqual(['1', '2', '3']);
  });

  it('a held request can be refused with a status and headers; a refused ANNOUNCE leaves the session initial', () => {
    const h = harness({ hold: true });
    h.request('ANNOUNCE', URL, { 'Content-Type': 'application/sdp' }, SDP);
    h.session.reject(new RtspRequestError(401, 'RTSP_AUTH_NO_CREDENTIALS', 'authentication required', { headers: [['WWW-Authenticate', 'Basic realm="x"']] }));
    expect(h.answers.at(-1)?.status).toBe(401);
    expect(getHeader(h.answers.at(-1)!, 'WWW-Authenticate')).toBe('Basic realm="x"');
    expect(h.session.state).toBe('initial');
    // with nothing announced, a SETUP has nothing to name
    expect(h.request('SETUP', `${URL}/streamid=0`, tcp(0))?.status).toBe(455);
  });

  it('gives the same answers whatever the split of its input', () => {
    const whole = harness();
    const text = whole.text('OPTIONS', '*') + whole.text('DESCRIBE') + whole.text('SETUP', `${URL}/trackID=1`, tcp(2)) + whole.text('PLAY') + whole.text('PAUSE');
    whole.session.feed(Buffer.from(text));
    const bytes = harness();
    for (const b of Buffer.from(text)) bytes.session.feed(Uint8Array.of(b));
    const strip = (rs: RtspResponse[]) => rs.map((r) => [r.status, r.headers]);
    expect(whole.answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(strip(bytes.answers)).toEqual(strip(whole.answers));
    expect(bytes.session.state).toBe('pre-play');
  });
});

describe('RtspServerSession interleaved media', () => {
  const rtp = Uint8Array.of(0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1);

  it('media of a publisher is handed on only in record state: not before RECORD, not after PAUSE', () => {
    const h = inState('pre-record');
    h.session.feed(encodeInterleavedFrame(0, rtp));
    expect(h.events.filter((e) => e.type === 'rtp')).toHaveLength(0);
    h.request('RECORD');
    h.session.feed(encodeInterleavedFrame(0, rtp));
    h.session.feed(encodeInterleavedFrame(1, rtp));
    expect(h.events.filter((e) => e.type === 'rtp' || e.type === 'rtcp').map((e) => [e.type, 'track' in e ? e.track : -1])).toEqual([
      ['rtp', 0],
      ['rtcp', 0],
    ]);
    h.request('PAUSE');
    h.session.feed(encodeInterleavedFrame(0, rtp));
    expect(h.events.filter((e) => e.type === 'rtp')).toHaveLength(1);
  });

  it('a RECORD and the media right behind it in one read: the media is published', () => {
    const h = inState('pre-record');
    h.session.feed(Buffer.concat([Buffer.from(h.text('RECORD')), encodeInterleavedFrame(0, rtp)]));
    expect(h.events.filter((e) => e.type === 'rtp')).toHaveLength(1);
  });

  it('a player\'s channels carry its receiver reports; a channel no SETUP assigned is refused', () => {
    const h = inState('play');
    h.session.feed(encodeInterleavedFrame(1, rtp));
    expect(h.events.at(-1)?.type).toBe('player-rtcp');
    expectCode(() => h.session.feed(encodeInterleavedFrame(9, rtp)), 'RTSP_UNKNOWN_CHANNEL');
  });
});
