import type { MediaFrame } from './media-frame.js';

/** One slab and who still needs its bytes. */
interface Slab {
  readonly bytes: Buffer;
  /** Holders of its bytes: the owner while it carves from it, each piece not given back, the hub's holds. */
  refs: number;
  /** Its bytes went where nobody counts them (a reader that may keep views): never reused. */
  pinned: boolean;
  readonly owner: ByteSlab;
}

/** Every slab by its ArrayBuffer: a frame's bytes name their slab through `data.buffer`. */
const slabOf = new WeakMap<ArrayBufferLike, Slab>();

/** The last batch pinned, so a batch shared by many readers is pinned once. */
let lastPinned: readonly MediaFrame[] | undefined;

function unref(slab: Slab): void {
  if (--slab.refs === 0 && !slab.pinned) slab.owner.recycle(slab);
}

/**
 * Hands out buffers carved from larger ones: one allocation (an ArrayBuffer, counted by V8 as
 * external memory) per `slabBytes` instead of one per buffer. Requests over a quarter of a slab get
 * a buffer of their own.
 *
 * A slab is reused once nothing needs its bytes any more, so a publisher's steady input stops
 * growing V8's external memory (which starts a full collection about every 64 MB of growth: once
 * a second at 200 publishers). Who needs them is counted: the owner while it carves from the
 * slab, each piece until the owner gives it back (`giveBack`), and every holder of a frame made
 * from a piece (`ByteSlab.hold`/`release`: the hub's GOP cache, tick batches and reader queues).
 * A frame handed to a reader that may keep views of its bytes past the call (`ByteSlab.pin`) pins
 * its slab: never reused, left to the collector as before.
 */
export class ByteSlab {
  private slab: Slab | undefined;
  private used = 0;
  private readonly free: Slab[] = [];
  private closed = false;

  constructor(
    readonly slabBytes = 64 * 1024,
    /** Most idle slabs kept for reuse; past it a slab nobody needs is left to the collector. */
    readonly maxFree = 32,
  ) {}

  /** An uninitialized buffer of `size` bytes, held until given back. */
  take(size: number): Buffer {
    if (size > this.slabBytes >>> 2) return Buffer.allocUnsafeSlow(size);
    let slab = this.slab;
    if (slab === undefined || this.used + size > slab.bytes.byteLength) {
      if (slab !== undefined) unref(slab);
      slab = this.slab = this.free.pop() ?? this.allocate();
      slab.refs = 1;
      this.used = 0;
    }
    slab.refs++;
    const piece = slab.bytes.subarray(this.used, this.used + size);
    // 8-byte aligned, as a buffer of its own would be
    this.used = (this.used + size + 7) & ~7;
    return piece;
  }

  /** The owner is done with a buffer `take` gave it (handed on, abandoned or outgrown). */
  giveBack(piece: Uint8Array): void {
    const slab = slabOf.get(piece.buffer);
    if (slab !== undefined && slab.owner === this) unref(slab);
  }

  /** No more buffers: idle slabs are dropped and slabs still held are not taken back. */
  close(): void {
    this.closed = true;
    this.free.length = 0;
    const slab = this.slab;
    this.slab = undefined;
    if (slab !== undefined) unref(slab);
  }

  /** @internal A slab nobody needs any more. */
  recycle(slab: Slab): void {
    if (!this.closed && this.free.length < this.maxFree) this.free.push(slab);
  }

  private allocate(): Slab {
    const slab: Slab = { bytes: Buffer.allocUnsafeSlow(this.slabBytes), refs: 0, pinned: false, owner: this };
    slabOf.set(slab.bytes.buffer, slab);
    return slab;
  }

  /** Counts a holder of a frame's bytes (a no-op for frames not carved from a slab). */
  static hold(frame: MediaFrame): void {
    if (frame.kind !== 'video' && frame.kind !== 'audio') return;
    const slab = slabOf.get(frame.data.buffer);
    if (slab !== undefined) slab.refs++;
  }

  /** The holder counted by `hold` let the frame go. */
  static release(frame: MediaFrame): void {
    if (frame.kind !== 'video' && frame.kind !== 'audio') return;
    const slab = slabOf.get(frame.data.buffer);
    if (slab !== undefined) unref(slab);
  }

  /** `release` for each frame. */
  static releaseAll(frames: readonly MediaFrame[]): void {
    for (const f of frames) ByteSlab.release(f);
  }

  /** The frames go to a reader that may keep views of their bytes: their slabs are never reused. */
  static pin(frames: readonly MediaFrame[]): void {
    if (frames === lastPinned) return;
    lastPinned = frames;
    for (const f of frames) {
      if (f.kind !== 'video' && f.kind !== 'audio') continue;
      const slab = slabOf.get(f.data.buffer);
      if (slab !== undefined) slab.pinned = true;
    }
  }
}
