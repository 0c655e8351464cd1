import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { encodeAmf3 } from '#ingest/protocols/amf/amf3-encoder.js';
import { ChunkDecoder } from '#ingest/protocols/rtmp/chunk-decoder.js';
import { encodeFrameChunks, type RtmpServerSession, type RtmpSessionEvent } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import { decodeFlvPayload } from '#ingest/media/flv-payload.js';
import { SessionHarness, commandMessage, encodeControlMessage } from './session-harness.js';
import { hexBuffer, seededRandom } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { codeOf } from '#test/support/expect-code.js';

const acceptAll = (event: RtmpSessionEvent, session: RtmpServerSession): void => {
  if (event.type === 'connect') session.acceptConnect(event.transactionId);
  else if (event.type === 'publish') session.acceptPublish(event.streamId, event.name);
  else if (event.type === 'play') session.startPlay(event.streamId, event.name, { reset: event.reset });
};

const videoConfig: MediaFrame = { kind: 'video-config', codec: 'h264', record: Uint8Array.from(hexBuffer('0164001effe1')) };
const keyframe: MediaFrame = { kind: 'video', codec: 'h264', dts: 40, pts: 80, keyframe: true, data: Uint8Array.from(hexBuffer('00000002 6588')) };
const audioConfig: MediaFrame = { kind: 'audio-config', codec: 'aac', record: Uint8Array.from(hexBuffer('1210')), sampleRate: 44100, channels: 2 };
const audio: MediaFrame = { kind: 'audio', codec: 'aac', dts: 43, data: Uint8Array.from(hexBuffer('2100')) };

function published(h: SessionHarness): SessionHarness {
  h.handshake().connect();
  h.command('releaseStream', 2, null, ['cam']).command('FCPublish', 3, null, ['cam']).command('createStream', 4, null);
  h.command('publish', 0, null, ['cam?token=x', 'live'], 1);
  return h;
}

describe('RtmpServerSession', () => {
  it('moves from handshake to connecting to connected', () => {
    const h = new SessionHarness(acceptAll);
    expect(h.session.state).toBe('handshake');
    h.handshake();
    expect(h.session.state).toBe('connecting');
    h.connect();
    expect(h.session.state).toBe('connected');
  });

  it('answers connect with Window Ack Size, Set Peer Bandwidth, Set Chunk Size, then _result Connect.Success', () => {
    const h = new SessionHarness(acceptAll, { outChunkSize: 8192 });
    h.handshake().connect();
    expect(h.events[0]).toMatchObject({ type: 'connect', transactionId: 1, app: 'live', tcUrl: 'rtmp://localhost/live' });
    expect(h.summary()).toEqual(['window-ack-size', 'set-peer-bandwidth', 'set-chunk-size', '_result NetConnection.Connect.Success']);
    const result = h.out[3] as { commandObject: Record<string, unknown>; args: Record<string, unknown>[] };
    expect(result.commandObject).toMatchObject({ fmsVer: expect.any(String), capabilities: 31 });
    expect(result.args[0]).toMatchObject({ level: 'status', objectEncoding: 0 });
    expect(h.session.outChunkSize).toBe(8192);
  });

  it('emits connect → publish → frames → unpublish for a publisher that deletes its stream', () => {
    const h = published(new SessionHarness(acceptAll));
    h.send({ chunkStreamId: 4, timestamp: 0, typeId: 18, streamId: 1, payload: encodeAmf0('@setDataFrame', 'onMetaData', { width: 320 }) });
    h.frame(videoConfig).frame(audioConfig).frame(keyframe).frame(audio);
    h.command('FCUnpublish', 5, null, ['cam?token=x']).command('deleteStream', 6, null, [1]);
    expect(h.events.map((e) => e.type)).toEqual(['connect', 'publish', 'frame', 'frame', 'frame', 'frame', 'frame', 'unpublish']);
    expect(h.events[1]).toEqual({ type: 'publish', streamId: 1, transactionId: 0, name: 'cam?token=x', publishType: 'live' });
    const frames = h.events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
    expect(frames).toEqual([{ kind: 'metadata', dts: 0, values: { width: 320 } }, { ...videoConfig }, audioConfig, keyframe, audio]);
    expect(h.commands()).toContain('onStatus NetStream.Publish.Start');
  });

  it('emits unpublish once for deleteStream alone, and for closeStream of a publisher', () => {
    const h = published(new SessionHarness(acceptAll)).frame(keyframe);
    h.command('deleteStream', 5, null, [1]).command('deleteStream', 6, null, [1]);
    expect(h.events.map((e) => e.type)).toEqual(['connect', 'publish', 'frame', 'unpublish']);
    const c = published(new SessionHarness(acceptAll)).command('closeStream', 0, null, [], 1);
    expect(c.events.at(-1)).toEqual({ type: 'unpublish', streamId: 1 });
    // The stream can publish again after closeStream.
    c.command('publish', 0, null, ['cam2'], 1);
    expect(c.events.at(-1)).toMatchObject({ type: 'publish', name: 'cam2' });
  });

  it('answers releaseStream and FCPublish, and createStream with stream id 1', () => {
    const h = new SessionHarness(acceptAll).handshake().connect().clearOut();
    h.command('releaseStream', 2, null, ['cam']).command('FCPublish', 3, null, ['cam']).command('createStream', 4, null);
    expect(h.commands()).toEqual(['_result', '_result', 'onFCPublish', '_result']);
    const created = h.out.at(-1) as { transactionId: number; args: unknown[] };
    expect(created).toMatchObject({ transactionId: 4, args: [1] });
  });

  it('answers FCSubscribe (librtmp, Flash) with _result and onFCSubscribe, no Play.Start before play is decided', () => {
    const h = new SessionHarness(acceptAll).handshake().connect().clearOut();
    h.command('FCSubscribe', 3, null, ['cam']).command('FCUnsubscribe', 4, null, ['cam']);
    expect(h.commands()).toEqual(['_result', 'onFCSubscribe', '_result']);
    expect(h.out[1]).toMatchObject({ args: [{ level: 'status', description: 'cam' }] });
    expect(h.events.map((e) => e.type)).toEqual(['connect']);
  });

  it('sends no Publish.Start until the server accepts, and drops media sent meanwhile', () => {
    const h = published(new SessionHarness((e, s) => e.type === 'connect' && s.acceptConnect(e.transactionId)));
    h.frame(keyframe);
    expect(h.commands().some((c) => c.includes('Publish.Start'))).toBe(false);
    expect(h.events.filter((e) => e.type === 'frame')).toEqual([]);
    h.session.acceptPublish(1, 'cam');
    expect(h.summary().slice(-2)).toEqual(['user-control 0', 'onStatus NetStream.Publish.Start']);
    h.frame(keyframe);
    expect(h.events.at(-1)).toEqual({ type: 'frame', streamId: 1, frame: keyframe });
  });

  it('never sends Publish.Start when the publish is rejected', () => {
    const h = published(
      new SessionHarness((e, s) => {
        if (e.type === 'connect') s.acceptConnect(e.transactionId);
        if (e.type === 'publish') s.rejectPublish(e.streamId, 'NetStream.Publish.Denied', 'Stream name not allowed for the logged in user: cam');
      }),
    );
    expect(h.commands().filter((c) => c.startsWith('onStatus'))).toEqual(['onStatus NetStream.Publish.Denied']);
    expect(h.commands().some((c) => c.includes('Publish.Start'))).toBe(false);
    const status = h.out.at(-1) as { args: Record<string, unknown>[] };
    expect(status.args[0]).toMatchObject({ level: 'error', description: 'Stream name not allowed for the logged in user: cam' });
    expect(codeOf(() => h.frame(keyframe))).toBe('RTMP_OUT_OF_ORDER');
  });

  it('plays with StreamBegin, Play.Reset and Play.Start, without Flash-only data messages', () => {
    const h = new SessionHarness(acceptAll).handshake().connect().command('createStream', 2, null).clearOut();
    h.command('play', 0, null, ['cam', -2, -1, true], 1);
    expect(h.events.at(-1)).toEqual({ type: 'play', streamId: 1, transactionId: 0, name: 'cam', start: -2, duration: -1, reset: true });
    expect(h.summary()).toEqual([
      'user-control 0',
      'onStatus NetStream.Play.Reset',
      'onStatus NetStream.Play.Start',
    ]);
    expect(h.out.slice(1).every((o) => 'streamId' in o && o.streamId === 1)).toBe(true);
  });

  it('plays without Play.Reset when reset is false, and defaults start/duration', () => {
    const h = new SessionHarness(acceptAll).handshake().connect().command('createStream', 2, null).clearOut();
    h.command('play', 0, null, ['cam', -1, -1, false], 1);
    expect(h.commands()).toEqual(['onStatus NetStream.Play.Start']);
    const h2 = new SessionHarness((e, s) => e.type === 'connect' && s.acceptConnect(e.transactionId)).handshake();
    h2.connect().command('createStream', 2, null).command('play', 0, null, ['cam'], 1);
    expect(h2.events.at(-1)).toMatchObject({ start: -2, duration: -1, reset: true });
  });

  it('rejects a play with an error status and emits stop-play when a player closes its stream', () => {
    const h = new SessionHarness((e, s) => {
      if (e.type === 'connect') s.acceptConnect(e.transactionId);
      if (e.type === 'play') s.rejectPlay(e.streamId, 'NetStream.Play.StreamNotFound', 'no such stream');
    });
    h.handshake().connect().command('createStream', 2, null).command('play', 0, null, ['nope'], 1);
    expect(h.commands().at(-1)).toBe('onStatus NetStream.Play.StreamNotFound');
    const ok = new SessionHarness(acceptAll).handshake().connect().command('createStream', 2, null).command('play', 0, null, ['cam'], 1);
    ok.command('closeStream', 0, null, [], 1);
    expect(ok.events.at(-1)).toEqual({ type: 'stop-play', streamId: 1 });
  });

  it('answers an unknown command, play2 and _checkbw with _error Call.Failed and stays usable', () => {
    const h = new SessionHarness(acceptAll).handshake().connect().clearOut();
    h.command('fancyCall', 7, null, ['x']).command('play2', 8, null).command('_checkbw', 9, null);
    expect(h.commands()).toEqual(['_error NetConnection.Call.Failed', '_error NetConnection.Call.Failed', '_error NetConnection.Call.Failed']);
    expect(h.session.state).toBe('connected');
    h.command('createStream', 10, null);
    expect(h.out.at(-1)).toMatchObject({ name: '_result', transactionId: 10, args: [1] });
  });

  it('answers getStreamLength with 0', () => {
    const h = new SessionHarness(acceptAll).handshake().connect().clearOut();
    h.command('getStreamLength', 3, null, ['cam']);
    expect(h.out).toMatchObject([{ name: '_result', transactionId: 3, args: [0] }]);
  });

  it('rejects connect with _error then close, at chunk size 128, and closes', () => {
    const h = new SessionHarness((e, s) => e.type === 'connect' && s.rejectConnect(e.transactionId, 'x'.repeat(200)));
    h.handshake().connect();
    expect(h.commands()).toEqual(['_error NetConnection.Connect.Rejected', 'close']);
    expect(h.out[0]).toMatchObject({ transactionId: 1, args: [{ level: 'error', description: 'x'.repeat(200) }] });
    expect(h.session.state).toBe('closed');
    expect(h.session.outChunkSize).toBe(128);
    // Every chunk the session wrote fits 128 bytes: a reader at the default chunk size decodes it.
    const reader: unknown[] = [];
    new ChunkDecoder({ onMessage: (m) => reader.push(m) }).push(Buffer.concat(h.rawOut));
    expect(reader).toHaveLength(2);
  });

  it('queues commands sent before connect is answered and runs them after acceptConnect', () => {
    const h = new SessionHarness().handshake().connect();
    h.command('createStream', 2, null);
    expect(h.out).toEqual([]);
    h.session.acceptConnect(1);
    expect(h.commands()).toEqual(['_result NetConnection.Connect.Success', '_result']);
  });

  it.each([
    { name: 'publish before connect', run: (h: SessionHarness) => h.handshake().command('publish', 0, null, ['x'], 1) },
    { name: 'a second connect', run: (h: SessionHarness) => h.handshake().connect().connect() },
    { name: 'publish on a stream never created', run: (h: SessionHarness) => h.handshake().connect().command('publish', 0, null, ['x'], 5) },
    {
      name: 'a second publish on a publishing stream',
      run: (h: SessionHarness) => published(h).command('publish', 0, null, ['y'], 1),
    },
    { name: 'media on a stream that is not publishing', run: (h: SessionHarness) => h.handshake().connect().frame(keyframe, 1) },
  ])('refuses $name with RTMP_OUT_OF_ORDER', ({ run }) => {
    expect(codeOf(() => run(new SessionHarness(acceptAll)))).toBe('RTMP_OUT_OF_ORDER');
  });

  it('refuses names longer than streamNameMaxLength, query not counted', () => {
    const h = new SessionHarness(acceptAll, { limits: { streamNameMaxLength: 8 } }).handshake().connect();
    h.command('createStream', 2, null);
    expect(() => h.command('publish', 0, null, ['12345678?a-long-query-is-fine'], 1)).not.toThrow();
    const h2 = new SessionHarness(acceptAll, { limits: { streamNameMaxLength: 8 } }).handshake().connect().command('createStream', 2, null);
    expect(codeOf(() => h2.command('publish', 0, null, ['123456789'], 1))).toBe('RTMP_NAME_TOO_LONG');
    expect(codeOf(() => new SessionHarness(acceptAll, { limits: { streamNameMaxLength: 8 } }).handshake().connect('a-long-app'))).toBe(
      'RTMP_NAME_TOO_LONG',
    );
  });

  it('bounds createStream by rtmpMaxMessageStreams', () => {
    const h = new SessionHarness(acceptAll, { limits: { rtmpMaxMessageStreams: 2 } }).handshake().connect();
    h.command('createStream', 2, null).command('createStream', 3, null);
    expect(codeOf(() => h.command('createStream', 4, null))).toBe('RTMP_TOO_MANY_STREAMS');
  });

  it('accepts AMF3 command messages (type 17) and AMF3 data messages (type 15)', () => {
    const h = new SessionHarness(acceptAll).handshake();
    h.send({ ...commandMessage('connect', 1, { app: 'live', objectEncoding: 3 }), typeId: 17, payload: Buffer.concat([Buffer.from([0]), encodeAmf0('connect', 1, { app: 'live', objectEncoding: 3 })]) });
    expect(h.events[0]).toMatchObject({ type: 'connect', app: 'live' });
    h.command('createStream', 2, null).command('publish', 0, null, ['cam'], 1);
    // AMF3 data: format byte, AMF0 string, then an AVM+ switch to an AMF3 object.
    const payload = Buffer.concat([Buffer.from([0]), encodeAmf0('@setDataFrame', 'onMetaData'), Buffer.from([0x11]), encodeAmf3({ fps: 25 })]);
    h.send({ chunkStreamId: 4, timestamp: 0, typeId: 15, streamId: 1, payload });
    expect(h.events.at(-1)).toEqual({ type: 'frame', streamId: 1, frame: { kind: 'metadata', dts: 0, values: { fps: 25 } } });
  });

  it('answers Ping Request with Ping Response carrying the same timestamp', () => {
    const h = new SessionHarness(acceptAll).handshake().connect().clearOut();
    h.send(encodeControlMessage({ type: 'user-control', event: 6, streamId: 0, timestamp: 123456 }));
    expect(h.out).toEqual([{ kind: 'control', control: { type: 'user-control', event: 7, streamId: 0, timestamp: 123456 } }]);
  });

  it('acknowledges when received bytes cross the window the peer announced', () => {
    const h = new SessionHarness(acceptAll).handshake().connect();
    h.send(encodeControlMessage({ type: 'window-ack-size', size: 500 })).clearOut();
    h.command('getStreamLength', 3, null, ['x'.repeat(600)]);
    const acks = h.out.filter((o) => o.kind === 'control' && o.control.type === 'acknowledgement');
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ control: { sequenceNumber: h.session.bytesReceived } });
  });

  it('splits aggregate messages of a publisher into frames with rebased timestamps', () => {
    const h = published(new SessionHarness(acceptAll));
    const aggregate = hexBuffer(`
      08 000004 000064 00 000000  af012100 0000000f
      08 000004 00007d 00 000000  af012101 0000000f`);
    h.send({ chunkStreamId: 4, timestamp: 1000, typeId: 22, streamId: 1, payload: aggregate });
    const frames = h.events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
    expect(frames.map((f) => ('dts' in f ? f.dts : -1))).toEqual([1000, 1025]);
  });

  it('emits receive-media for receiveAudio/receiveVideo and unpublish for FCUnpublish', () => {
    const h = published(new SessionHarness(acceptAll));
    h.command('receiveAudio', 0, null, [false], 1).command('receiveVideo', 0, null, [true], 1);
    h.command('FCUnpublish', 9, null, ['cam?token=x']);
    expect(h.events.slice(-3)).toEqual([
      { type: 'receive-media', streamId: 1, audio: false },
      { type: 'receive-media', streamId: 1, video: true },
      { type: 'unpublish', streamId: 1 },
    ]);
  });

  it('sends statuses and Stream EOF on the stream', () => {
    const h = published(new SessionHarness(acceptAll)).clearOut();
    h.session.sendStatus(1, 'status', 'NetStream.Unpublish.Success', 'bye', { details: 'cam' });
    h.session.sendStreamEof(1);
    expect(h.out[0]).toMatchObject({ name: 'onStatus', streamId: 1, args: [{ level: 'status', code: 'NetStream.Unpublish.Success', description: 'bye', details: 'cam' }] });
    expect(h.out[1]).toEqual({ kind: 'control', control: { type: 'user-control', event: 1, streamId: 1 } });
  });

  it('ignores input and sends nothing after close', () => {
    const h = new SessionHarness(acceptAll).handshake().connect().clearOut();
    h.session.close();
    h.command('createStream', 2, null);
    h.session.sendStatus(1, 'status', 'x', 'y');
    expect(h.out).toEqual([]);
  });

  it('survives byte-by-byte and random-split feeding of a whole publish', () => {
    const reference = published(new SessionHarness(acceptAll)).frame(keyframe);
    const script = new SessionHarness(acceptAll);
    const bytes = Buffer.concat([
      SessionHarness.handshakeBytes(),
      script.bytesOf([
        commandMessage('connect', 1, { app: 'live', tcUrl: 'rtmp://localhost/live', objectEncoding: 0 }),
        commandMessage('releaseStream', 2, null, ['cam']),
        commandMessage('FCPublish', 3, null, ['cam']),
        commandMessage('createStream', 4, null),
        commandMessage('publish', 0, null, ['cam?token=x', 'live'], 1),
      ]),
    ]);
    const frameBytes = encodeFrameChunks(keyframe, 128, 1);
    const all = Buffer.concat([bytes, frameBytes]);
    const random = seededRandom(21);
    for (const splitter of [() => 1, () => 1 + Math.floor(random() * 300)]) {
      const h = new SessionHarness(acceptAll);
      for (let pos = 0; pos < all.length; ) {
        const n = splitter();
        h.feed(all.subarray(pos, pos + n));
        pos += n;
      }
      expect(h.events).toEqual(reference.events);
    }
  });

  it('only ever raises ProtocolError on mutated command streams', () => {
    const script = new SessionHarness(acceptAll);
    const body = script.bytesOf([
      commandMessage('connect', 1, { app: 'live' }),
      commandMessage('createStream', 2, null),
      commandMessage('publish', 0, null, ['cam', 'live'], 1),
      { chunkStreamId: 6, timestamp: 40, typeId: 9, streamId: 1, payload: hexBuffer('17 01 000000 00000002 6588') },
      { chunkStreamId: 4, timestamp: 41, typeId: 8, streamId: 1, payload: hexBuffer('af 00 1210') },
      commandMessage('deleteStream', 3, null, [1]),
    ]);
    fuzz([body], (input) => new SessionHarness(acceptAll, { limits: { rtmpMaxMessageLength: 4096 } }).handshake().feed(input), 1000, 8);
  });
});

describe('encodeFrameChunks', () => {
  it('writes one frame as a type-0-led chunk sequence on the player stream that decodes back to the frame', () => {
    const bytes = encodeFrameChunks({ ...keyframe, data: new Uint8Array(300) }, 128, 1);
    const messages: { typeId: number; streamId: number; timestamp: number; payload: Uint8Array }[] = [];
    new ChunkDecoder({ onMessage: (m) => messages.push(m) }).push(bytes);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ typeId: 9, streamId: 1, timestamp: 40 });
    expect(decodeFlvPayload(9, messages[0].timestamp, messages[0].payload)).toEqual({ ...keyframe, data: new Uint8Array(300) });
  });

  it('gives an empty buffer for a frame with no FLV form', () => {
    expect(encodeFrameChunks({ kind: 'audio-config', codec: 'mp3', record: new Uint8Array(), sampleRate: 44100, channels: 2 }, 128, 1).length).toBe(0);
  });
});
