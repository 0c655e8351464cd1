import type { MediaFrame } from '#ingest/media/media-frame.js';
import { TsDemuxer, type TsDemuxerOptions, type TsDemuxEvent } from '#ingest/protocols/mpegts/ts-demuxer.js';
import type { RawIngestInput, RawIngestOutput } from './raw-ingest-input.js';

/**
 * Raw MPEG-TS over TCP (crtmpserver inboundTcpTs): the stream name is the SDT service name
 * (`ffmpeg -f mpegts -metadata service_name=NAME tcp://…`; ffmpeg sends the SDT before the first
 * PES). A stream without SDT names none once the connection's hold bound is reached. Continuity
 * and CRC errors are counted by the demuxer and reported as damage.
 */
export class RawTsInput implements RawIngestInput {
  private readonly demuxer: TsDemuxer;
  private named = false;

  constructor(options: TsDemuxerOptions = {}) {
    this.demuxer = new TsDemuxer(options);
  }

  push(bytes: Uint8Array): RawIngestOutput {
    return this.output(this.demuxer.push(bytes));
  }

  end(): RawIngestOutput {
    return this.output(this.demuxer.end());
  }

  bufferedBytes(): number {
    return this.demuxer.bufferedBytes;
  }

  damage(): Readonly<Record<string, number>> {
    const s = this.demuxer.stats;
    return { continuityErrors: s.continuityErrors, crcErrors: s.crcErrors, syncLosses: s.syncLosses, droppedFrames: s.droppedFrames };
  }

  private output(events: readonly TsDemuxEvent[]): RawIngestOutput {
    const frames: MediaFrame[] = [];
    let streamName: string | undefined;
    for (const e of events) {
      if (e.type === 'frame') frames.push(e.frame);
      else if (e.type === 'service' && !this.named && e.serviceName !== '') {
        this.named = true;
        streamName = e.serviceName;
      }
    }
    return streamName === undefined ? { frames } : { frames, streamName };
  }
}
