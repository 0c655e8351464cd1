import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Node's own keys for a socket's user-supplied read buffer: what `new net.Socket({ onread })`
 * sets. Sockets a server accepts cannot be given `onread`, so the keys are read off a probe socket
 * made with it (once); undefined when this Node names them otherwise (reads then stay 'data' events).
 */
type ReadBufferKeys = { readonly buffer: symbol; readonly callback: symbol; readonly generator: symbol };
let keys: ReadBufferKeys | null | undefined;

function readBufferKeys(): ReadBufferKeys | undefined {
  if (keys === undefined) {
    const probe = new Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } } as ConstructorParameters<typeof Socket>[0]);
    const named = new Map(Object.getOwnPropertySymbols(probe).map((s) => [s.description, s]));
    probe.destroy();
    const buffer = named.get('kBuffer');
    const callback = named.get('kBufferCb');
    const generator = named.get('kBufferGen');
    keys = buffer && callback && generator ? { buffer, callback, generator } : null;
  }
  return keys ?? undefined;
}

/** Largest read: what Node asks libuv for per read of its own buffers too. */
const READ_BYTES = 64 * 1024;
let shared: Buffer | undefined;

/**
 * Makes a plain TCP socket read into one buffer shared by every such socket of the process (the
 * event loop runs one read at a time) and hand each read to `onBytes` as a view of it, valid only
 * during the call: whoever keeps bytes copies them. Node otherwise allocates a buffer (an
 * ArrayBuffer) and emits a 'data' event for every read: 60-80 a second per publisher (measured
 * together with the other allocation cuts of round 3 only, docs/benchmark.md). No 'data' events follow; 'end',
 * 'close', 'error' and timeouts are as before. Returns false (nothing changed: listen to 'data')
 * for TLS sockets, other streams, a socket that already has 'data' listeners, or a Node without
 * these keys.
 */
export function readIntoSharedBuffer(socket: Duplex, onBytes: (bytes: Buffer) => void): boolean {
  const handle = (socket as { _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } })._handle;
  if (
    !(socket instanceof Socket) ||
    (socket as { encrypted?: boolean }).encrypted ||
    typeof handle?.useUserBuffer !== 'function' ||
    // someone else reads it too (the raw-byte dump): it keeps its 'data' events
    socket.listenerCount('data') > 0
  ) {
    return false;
  }
  const k = readBufferKeys();
  if (k === undefined) return false;
  shared ??= Buffer.allocUnsafeSlow(READ_BYTES);
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[k.buffer] = shared;
  fields[k.generator] = null;
  fields[k.callback] = (nread: number, buffer: Buffer): void => {
    onBytes(buffer.subarray(0, nread));
  };
  handle.useUserBuffer(shared);
  socket.resume();
  return true;
}
