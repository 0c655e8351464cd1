import { writeSync, writevSync } from 'node:fs';
import type { Duplex } from 'node:stream';

type Handle = { readonly fd?: unknown } | null | undefined;
/** What is read of a stream's writable state: the bytes Node holds for it (`writableLength`). */
type WritableState = { readonly length: number };

/**
 * Writes to one socket like `stream.write(data)`, and returns what that returns (false: the
 * socket's buffer is full, wait for 'drain'); same bytes, same order.
 *
 * When nothing is queued in Node for the socket (`writableLength` 0, so libuv has no pending write
 * either), the bytes go to the kernel with one `write(2)` on the socket's non-blocking descriptor —
 * what libuv itself tries first — without Node's per-write stream machinery (a WriteWrap, callbacks,
 * a tick): in the fan-out that is one call per player and tick, and doing without it took the
 * ingest's user-space CPU down ~20 % (bench/steady-state.sh). Whatever the kernel does not
 * take at once (a full socket buffer: EAGAIN) or refuses (a peer gone: EPIPE, ECONNRESET) goes
 * through `stream.write`, which queues the rest or reports the error through the socket's usual
 * events; from then on `writableLength` > 0 keeps every later write behind it in Node's queue.
 *
 * Only plain TCP sockets have a descriptor here: TLS sockets (their bytes must go through the TLS
 * layer), RTMPT's in-memory duplex and test streams always take `stream.write`. Bytes written
 * directly are not counted in `socket.bytesWritten`: `bytes` counts what was handed to this writer.
 *
 * With `copyQueued`, no view of the caller's buffers outlives a call. A TLS socket with nothing
 * queued in Node passes the bytes to its TLS layer (Node's TLSWrap) before `write` returns, and the
 * TLS layer encrypts them into its own output buffer at once or, when it cannot yet (a handshake
 * message pending), copies them (`TLSWrap::DoWrite`, Node 20); only what Node's writable queue
 * keeps (a write still in flight) is copied here. An RTMPS player then lets its publisher reuse
 * its slabs: 5 instead of 1049 allocated for 60 MB (docs/benchmark.md, Round 7, RTMPS players).
 */
export class DirectSocketWriter {
  /** Bytes handed to `write` and `writeAll` so far (whichever way they went). */
  bytes = 0;
  /** A TLS socket: what reaches its TLS layer is encrypted or copied there at once. */
  private readonly tls: boolean;
  /**
   * The stream's own writable state, read for its queued length: the getter `writableLength`
   * reaches it through the stream. In the fan-out this runs once per player and tick, where every
   * object read is one more cache line to fetch after the kernel's write (docs/benchmark.md, Round 5).
   */
  private readonly state: WritableState | undefined;
  /**
   * Whether every byte it is given is in the kernel, encrypted or copied once `write`/`writeAll`
   * returns (no view of the caller's buffers kept): writers made with `copyQueued`.
   */
  readonly keepsNoViews: boolean;
  /** The libuv handle the descriptor was read from: Node drops `_handle` in the same synchronous
   *  step that closes the descriptor, so while it is the same object the number is this socket's. */
  private handle: Handle = undefined;
  private fd = -1;

  constructor(
    private readonly stream: Duplex,
    /**
     * Copy what Node has to queue (a full socket buffer) instead of queueing views of the caller's
     * buffers, so the caller may reuse them at once (a publisher's recycled slabs, see ByteSlab).
     * Only a slow reader pays the copy (on TLS, a write while the previous one is in flight).
     */
    copyQueued = false,
  ) {
    this.tls = (stream as { encrypted?: boolean }).encrypted === true;
    this.keepsNoViews = copyQueued;
    this.state = (stream as { _writableState?: WritableState })._writableState;
  }

  /** Nothing of this stream is queued in Node (so none in libuv either). */
  private idle(): boolean {
    return (this.state?.length ?? this.stream.writableLength) === 0;
  }

  /** `stream.write` hands the bytes to the TLS layer before it returns: a TLS socket, nothing queued or corked. */
  private encryptsAtOnce(): boolean {
    return this.tls && this.idle() && this.stream.writableCorked === 0;
  }

  write(data: Buffer): boolean {
    const stream = this.stream;
    this.bytes += data.byteLength;
    if (!this.tls && data.byteLength > 0 && this.idle()) {
      const fd = this.descriptor();
      if (fd >= 0) {
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
    return stream.write(this.keepsNoViews && !this.encryptsAtOnce() ? Buffer.from(data) : data);
  }

  /**
   * Writes `parts` in order like one `write` of their concatenation (same answer), without joining
   * them: one `writev(2)` when nothing is queued, else the rest corked into Node's queue.
   */
  writeAll(parts: readonly Buffer[]): boolean {
    if (parts.length === 1) return this.write(parts[0]!);
    const stream = this.stream;
    for (let i = 0; i < parts.length; i++) this.bytes += parts[i]!.byteLength;
    let from = 0;
    let head: Buffer | undefined;
    if (!this.tls && this.idle()) {
      const fd = this.descriptor();
      if (fd >= 0) {
        let written = 0;
        try {
          written = writevSync(fd, parts as Buffer[]);
        } catch {
          // As in write(): Node's own write queues the bytes or reports the failure.
        }
        while (from < parts.length && written >= parts[from]!.byteLength) written -= parts[from++]!.byteLength;
        if (from === parts.length) return true;
        if (written > 0) head = parts[from++]!.subarray(written);
      }
    }
    if (this.keepsNoViews && !this.encryptsAtOnce()) {
      const rest = parts.slice(from);
      if (head !== undefined) rest.unshift(head);
      return stream.write(Buffer.concat(rest));
    }
    stream.cork();
    let ok = true;
    try {
      if (head !== undefined) ok = stream.write(head);
      for (let i = from; i < parts.length; i++) ok = stream.write(parts[i]!);
    } finally {
      stream.uncork();
    }
    return ok;
  }

  /** The socket's descriptor, or -1 once it is closed (or for a stream that has none). */
  private descriptor(): number {
    const handle = (this.stream as { _handle?: Handle })._handle;
    if (handle !== this.handle) {
      // Reading `fd` is a call into C++: once per handle, not once per write.
      this.handle = handle;
      const fd = handle?.fd;
      this.fd = typeof fd === 'number' && fd >= 0 ? fd : -1;
    }
    return this.fd;
  }
}
