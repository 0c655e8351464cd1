import { writeSync } from 'node:fs';
import type { Duplex } from 'node:stream';

/**
 * The descriptor of a plain TCP socket (net.Socket over libuv), or undefined for anything else:
 * TLS sockets (their bytes must go through the TLS layer), RTMPT's in-memory duplex, test streams.
 * Read on every call: Node drops `_handle` in the same synchronous step that closes the descriptor,
 * so a live handle always means a live descriptor of this socket (never a reused number).
 */
function descriptorOf(stream: Duplex): number | undefined {
  if ((stream as { encrypted?: boolean }).encrypted) return undefined;
  const fd = (stream as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Writes `data` to a socket like `stream.write(data)`, and returns what it returns (false: the
 * socket's buffer is full, wait for 'drain'); same bytes, same order.
 *
 * When nothing is queued in Node for this socket (`writableLength` 0, so libuv has no pending write
 * either), the bytes go to the kernel with one `write(2)` on the socket's non-blocking descriptor —
 * what libuv itself tries first — without Node's per-write stream machinery (a WriteWrap, callbacks,
 * a tick): in the fan-out that is one call per player and tick, and doing without it took the
 * ingest's user-space CPU down ~20 % and its RSS at 200 players by ~15 MB (issue 8,
 * bench/steady-state.sh). Whatever the kernel does not take at once (a full socket buffer, EAGAIN)
 * or refuses (a peer gone: EPIPE, ECONNRESET) goes through `stream.write`, which queues the rest or
 * reports the error through the socket's usual events; from then on `writableLength` > 0 keeps
 * every later write behind it in Node's queue until that drains.
 *
 * Bytes written this way are not counted in `socket.bytesWritten`: callers count their own.
 */
export function writeDirect(stream: Duplex, data: Buffer): boolean {
  if (stream.writableLength === 0 && !stream.destroyed && data.byteLength > 0) {
    const fd = descriptorOf(stream);
    if (fd !== undefined) {
      let written = 0;
      try {
        written = writeSync(fd, data);
      } catch {
        // EAGAIN, or a failing socket: Node's own write queues the bytes or reports the failure.
      }
      if (written === data.byteLength) return true;
      if (written > 0) data = data.subarray(written);
    }
  }
  return stream.write(data);
}
