import { describe, expect, it } from 'vitest';
import { DtsEstimator } from '#ingest/media/dts-estimator.js';
import type { VideoFrame } from '#ingest/media/media-frame.js';

const frame = (pts: number): VideoFrame => ({ kind: 'video', codec: 'h264', dts: pts, pts, keyframe: false, data: new Uint8Array(0) });

describe('DtsEstimator', () => {
  it('passes frames through with depth 0', () => {
    const e = new DtsEstimator(0);
    expect(e.push(frame(40))).toEqual([frame(40)]);
  });

  it('gives x264 pyramid B-frames (decode order I P B b b) the encoder DTS after a two-frame delay', () => {
    // presentation times in decode order, 40 ms frames: I0 P4 B2 b1 b3 P8 B6 b5 b7
    const pts = [0, 4, 2, 1, 3, 8, 6, 5, 7].map((n) => n * 40);
    const e = new DtsEstimator(2);
    const out = [...pts.flatMap((p) => e.push(frame(p))), ...e.flush()];
    expect(out.map((f) => f.pts)).toEqual(pts);
    // the first DTS is the earliest possible before the frame duration is known; then DTS = (n - 2) frames
    expect(out.map((f) => f.dts)).toEqual([-160, -40, 0, 40, 80, 120, 160, 200, 240]);
  });

  it('keeps DTS monotonic and never after PTS even when the stream reorders deeper than declared', () => {
    const pts = [0, 8, 4, 2, 1, 3, 6, 5, 7].map((n) => n * 40);
    const e = new DtsEstimator(1);
    const out = [...pts.flatMap((p) => e.push(frame(p))), ...e.flush()];
    out.forEach((f, i) => {
      if (i > 0) expect(f.dts).toBeGreaterThanOrEqual(out[i - 1].dts);
    });
    expect(out.filter((f) => f.dts > f.pts).length).toBeLessThanOrEqual(2);
  });
});
