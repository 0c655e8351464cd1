import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Hub } from '#ingest/hub/hub.js';
import { silentLogger } from '#domain/logger.js';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { ChunkDecoder } from '#ingest/protocols/rtmp/chunk-decoder.js';
import { encodeMessageChunks } from '#ingest/protocols/rtmp/chunk-encoder.js';
import { decodeCommand } from '#ingest/protocols/rtmp/command-message.js';
import { MessageType, type RtmpMessage } from '#ingest/protocols/rtmp/rtmp-message.js';
import { ConnectionRegistry } from '#ingest/servers/connection-registry.js';
import { PendingBytesBudget } from '#ingest/protocols/pending-bytes-budget.js';
import { openAccess } from '#ingest/servers/rtmp/rtmp-access-control.js';
import { RtmpConnection } from '#ingest/servers/rtmp/rtmp-connection.js';

// The connect answer is four messages and a play start three; each answer must leave in
// one socket write (one TCP segment), not one write per message. And no socket carries Node's
// inactivity timer (Node re-inserts it on every read and write): the connection keeps its own deadline.

/** The server's socket as a Duplex that records every write call the connection makes. */
class RecordingSocket extends Duplex {
  readonly writes: Buffer[][] = [];
  /** The inactivity timeout last set, as net.Socket#setTimeout takes it (0 = off). */
  timeoutMs: number | undefined;
  setTimeout(ms: number): this {
    this.timeoutMs = ms;
    return this;
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.writes.push([chunk]);
    done();
  }
  override _writev(chunks: { chunk: Buffer }[], done: () => void): void {
    this.writes.push(chunks.map((c) => c.chunk));
    done();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

function command(name: string, tid: number, object: unknown, args: unknown[] = [], streamId = 0): Buffer {
  const message: RtmpMessage = { chunkStreamId: 3, timestamp: 0, typeId: MessageType.commandAmf0, streamId, payload: encodeAmf0(name, tid, object, ...args) };
  return encodeMessageChunks(message, 128);
}

const newHub = () =>
  new Hub({
    gop: { maxBytes: 1_000_000, maxDurationMs: 10_000 },
    reader: { maxQueueBytes: 1_000_000, maxBlockedMs: 10_000 },
    waitForPublisherMs: 10_000,
  });

async function connected(hub = newHub(), idleTimeoutMs = 10_000) {
  const socket = new RecordingSocket();
  const conn = new RtmpConnection(
    socket,
    '127.0.0.1',
    { protocol: 'rtmp', chunkSize: 4096, handshakeTimeoutMs: 10_000, idleTimeoutMs },
    { hub, registry: new ConnectionRegistry(), log: silentLogger, access: openAccess, pendingBytes: new PendingBytesBudget(1 << 28) },
  );
  socket.push(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)]));
  await tick();
  socket.push(Buffer.alloc(1536));
  socket.push(command('connect', 1, { app: 'live', tcUrl: 'rtmp://127.0.0.1/live' }));
  await tick();
  return { socket, conn };
}

/** The commands in one write, decoded with the chunk size the server announced. */
function commandsIn(write: Buffer[], chunkSize = 128): string[] {
  const names: string[] = [];
  const decoder = new ChunkDecoder({
    onMessage: (m) => {
      if (m.typeId === MessageType.commandAmf0) names.push(decodeCommand(m.typeId, m.payload).name);
      else names.push(`control-${m.typeId}`);
    },
  });
  if (chunkSize !== 128) {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(chunkSize);
    decoder.push(encodeMessageChunks({ chunkStreamId: 2, timestamp: 0, typeId: MessageType.setChunkSize, streamId: 0, payload: size }, 128));
    names.length = 0;
  }
  decoder.push(Buffer.concat(write));
  return names;
}

describe('RTMP answers leave in one write', () => {
  it('sends the whole connect answer (window ack, peer bandwidth, chunk size, _result) in one write', async () => {
    const { socket, conn } = await connected();
    expect(socket.writes).toHaveLength(2); // S0+S1+S2, then the connect answer
    expect(commandsIn(socket.writes[1])).toEqual(['control-5', 'control-6', 'control-1', '_result']);
    conn.close('test');
  });

  it('sends the three messages of a play start in one write', async () => {
    const { socket, conn } = await connected();
    socket.writes.length = 0;
    const createStream = command('createStream', 2, null);
    const play = command('play', 3, null, ['cam', -2000], 1);
    // the chunk size is still 128 on our side: the client never changed it
    socket.push(createStream);
    await tick();
    expect(socket.writes).toHaveLength(1);
    socket.push(play);
    await tick();
    await tick();
    expect(socket.writes).toHaveLength(2);
    expect(commandsIn(socket.writes[1], 4096)).toEqual(['control-4', 'onStatus', 'onStatus']); // Stream Begin, Play.Reset, Play.Start
    conn.close('test');
  });

  it('keeps a silent player open, closes it once play stops and it stays silent, and never arms the socket timer', async () => {
    const idleMs = 80;
    const { socket, conn } = await connected(newHub(), idleMs);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let closedAt = 0;
    socket.on('close', () => (closedAt = performance.now()));
    socket.push(command('createStream', 2, null));
    await tick();
    socket.push(command('play', 3, null, ['cam', -2000], 1));
    await tick();
    await tick();
    await sleep(idleMs * 3);
    expect(closedAt).toBe(0);
    socket.push(command('closeStream', 0, null, [], 1));
    await tick();
    await tick();
    const stopped = performance.now();
    // reads while not playing move the deadline
    await sleep(idleMs / 2);
    socket.push(command('createStream', 4, null));
    const lastRead = performance.now();
    await sleep(idleMs * 3);
    expect(closedAt - lastRead).toBeGreaterThanOrEqual(idleMs - 5);
    expect(closedAt - stopped).toBeGreaterThanOrEqual(idleMs * 1.4);
    // Node's socket timer would be re-inserted in its timer list on every read
    expect(socket.timeoutMs).toBeUndefined();
    conn.close('test');
  });

  it('gives every player in step each tick as one write of one buffer shared by all of them', async () => {
    const hub = newHub();
    const players = [await connected(hub), await connected(hub)];
    for (const { socket } of players) {
      socket.push(command('createStream', 2, null));
      await tick();
      socket.push(command('play', 3, null, ['cam', -2000], 1));
      await tick();
      await tick();
    }
    const r = hub.publish('live/cam', { id: 'p', protocol: 'test', remoteAddress: '127.0.0.1', kick: () => {} });
    if (!r.ok) throw new Error('publish');
    const video = (dts: number, keyframe: boolean) =>
      ({ kind: 'video', codec: 'h264', dts, pts: dts, keyframe, data: new Uint8Array(3000).fill(dts) }) as const;
    r.publication.push(video(0, true));
    await tick(); // the start: each player's own batch
    for (const { socket } of players) socket.writes.length = 0;
    r.publication.push({ kind: 'audio', codec: 'aac', dts: 20, data: new Uint8Array(300) });
    r.publication.push(video(33, false));
    await tick();
    const [a, b] = players.map(({ socket }) => socket.writes);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    // One write (a writev) per player with the same bytes: the first player of the tick writes the
    // encoded parts, the next ones the parts joined once (see rtmp-player-encoder).
    expect(Buffer.concat(b![0]!)).toEqual(Buffer.concat(a![0]!));
    expect(commandsIn(a![0]!, 4096)).toEqual(['control-8', 'control-9']); // audio, then video, in one write
    for (const { conn } of players) conn.close('test');
  });
});
