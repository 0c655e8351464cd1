import { RtspPlayStream } from './rtsp-play-stream.js';

/** The RtspPlayStream of each played path, shared by its players, dropped with its last player. */
export class RtspPlayStreams {
  private readonly streams = new Map<string, RtspPlayStream>();

  /** The path's stream, held until `release`. */
  acquire(path: string): RtspPlayStream {
    let s = this.streams.get(path);
    if (s === undefined) {
      s = new RtspPlayStream(path);
      this.streams.set(path, s);
    }
    s.holders++;
    return s;
  }

  release(stream: RtspPlayStream): void {
    if (--stream.holders <= 0 && this.streams.get(stream.path) === stream) this.streams.delete(stream.path);
  }

  get size(): number {
    return this.streams.size;
  }
}
