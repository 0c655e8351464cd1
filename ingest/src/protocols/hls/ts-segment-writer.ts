import { TsMuxer } from '../mpegts/ts-muxer.js';
import type { SegmentTracks, SegmentWriter } from './segment-writer.js';

/**
 * MPEG-TS segments for HLS from the shared TsMuxer. Video segments start on a keyframe, before
 * which the muxer already writes PAT/PMT (and SPS/PPS in-band); audio-only segments get PAT/PMT
 * here. Tracks the container cannot carry (opus, mp3, av1, vp9) are left out of the program.
 */
export function tsSegmentWriter(tracks: SegmentTracks): SegmentWriter {
  const video = tracks.video === 'h264' || tracks.video === 'h265' ? tracks.video : undefined;
  const audio = tracks.audio === 'aac' ? tracks.audio : undefined;
  const muxer = new TsMuxer({ ...(video ? { video } : {}), ...(audio ? { audio } : {}) });
  return {
    segmentStart: () => (video ? new Uint8Array(0) : muxer.tables()),
    write: (frame) => muxer.push(frame),
  };
}
