import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeFrameChunks } from '#ingest/protocols/rtmp/encode-frame-chunks.js';
import { RtmpPlayerEncoder, rtmpPlayerEncoder } from '#ingest/servers/rtmp/rtmp-player-encoder.js';

const video = (dts: number, size = 5000): MediaFrame => ({
  kind: 'video',
  codec: 'h264',
  dts,
  pts: dts,
  keyframe: dts === 0,
  data: new Uint8Array(size).fill(dts & 0xff),
});
const audio = (dts: number): MediaFrame => ({ kind: 'audio', codec: 'aac', dts, data: new Uint8Array(200).fill(7) });

describe('RtmpPlayerEncoder', () => {
  it('gives the chunked frames of a batch in order (not joined), the same bytes a catching-up player gets', () => {
    const frames = [video(0), audio(10), video(33)];
    const parts = new RtmpPlayerEncoder(4096, 1, true, true).batchParts(frames);
    // video: header, 4091 bytes, type-3 header, the rest; audio: one small buffer
    expect(parts).toHaveLength(9);
    expect(Buffer.concat(parts)).toEqual(Buffer.concat(frames.map((f) => encodeFrameChunks(f, 4096, 1))));
    expect(Buffer.concat(new RtmpPlayerEncoder(4096, 1, true, true).parts(frames))).toEqual(Buffer.concat(parts));
  });

  it('keeps nothing on the frames of a batch for players in step (a GOP-cached frame holds only its bytes)', () => {
    const frames = [video(0), audio(10)];
    new RtmpPlayerEncoder(4096, 1, true, true).batchParts(frames);
    expect(frames.map((f) => Object.getOwnPropertySymbols(f))).toEqual([[], []]);
  });

  it("shares a catching-up player's chunks of a frame with the next catching-up player", () => {
    const frame = video(0);
    const first = new RtmpPlayerEncoder(4096, 1, true, true).parts([frame]);
    expect(new RtmpPlayerEncoder(4096, 1, true, true).parts([frame])[0]).toBe(first[0]);
  });

  it("writes a video frame's bytes as views of the frame between the chunk headers, not as a copy", () => {
    const frame = video(0, 10_000) as Extract<MediaFrame, { kind: 'video' }>;
    const parts = new RtmpPlayerEncoder(4096, 1, true, true).batchParts([frame]);
    const views = parts.filter((p) => p.buffer === frame.data.buffer);
    expect(views.map((p) => p.byteLength)).toEqual([4091, 4096, 10_000 - 4091 - 4096]);
    expect(Buffer.concat(parts)).toEqual(encodeFrameChunks(frame, 4096, 1));
  });

  it('encodes a batch once for every player sharing the encoder', () => {
    const encoder = rtmpPlayerEncoder(4096, 1, true, true);
    expect(rtmpPlayerEncoder(4096, 1, true, true)).toBe(encoder);
    const batch = [video(0), audio(10)];
    const first = encoder.batchParts(batch);
    const second = encoder.batchParts(batch);
    // The second player's request joins the batch once; everyone after writes that buffer.
    expect(second).toHaveLength(1);
    expect(Buffer.concat(first)).toEqual(second[0]);
    expect(encoder.batchParts(batch)).toBe(second);
    expect(encoder.batchParts([...batch])).not.toBe(second);
  });

  it('gives a player catching up the frames as buffers shared with every other player, not a copy', () => {
    const frames = [video(0), audio(10)];
    const a = new RtmpPlayerEncoder(4096, 1, true, true).parts(frames);
    const b = new RtmpPlayerEncoder(4096, 1, true, true).parts([...frames]);
    expect(a).toHaveLength(5);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBe(b[i]);
    expect(Buffer.concat(a)).toEqual(Buffer.concat(frames.map((f) => encodeFrameChunks(f, 4096, 1))));
  });

  it('leaves out what the player turned off with receiveAudio / receiveVideo', () => {
    const frames = [video(0), audio(10), video(33)];
    expect(Buffer.concat(new RtmpPlayerEncoder(128, 1, false, true).batchParts(frames))).toEqual(
      Buffer.concat([video(0), video(33)].map((f) => encodeFrameChunks(f, 128, 1))),
    );
    expect(Buffer.concat(new RtmpPlayerEncoder(128, 1, true, false).batchParts(frames))).toEqual(encodeFrameChunks(audio(10), 128, 1));
    expect(new RtmpPlayerEncoder(128, 1, false, false).batchParts(frames)).toHaveLength(0);
  });

  it('does not share encoders across chunk sizes or stream ids', () => {
    expect(rtmpPlayerEncoder(4096, 1, true, true)).not.toBe(rtmpPlayerEncoder(128, 1, true, true));
    expect(rtmpPlayerEncoder(4096, 1, true, true)).not.toBe(rtmpPlayerEncoder(4096, 2, true, true));
  });
});
