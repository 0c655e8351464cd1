import { decodeFlvPayload } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { FlvDemuxer, type FlvDemuxerOptions } from '#ingest/protocols/flv/flv-demuxer.js';
import { flvStreamName } from '#ingest/protocols/flv/flv-stream-name.js';
import type { RawIngestInput, RawIngestOutput } from './raw-ingest-input.js';

/** Script tags other than onMetaData accepted before giving up on a stream name. */
const MAX_SCRIPT_TAGS_BEFORE_NAME = 4;

/**
 * Raw FLV over TCP (crtmpserver inboundLiveFlv): the stream name is onMetaData `streamName`
 * (`ffmpeg -f flv -metadata streamName=NAME tcp://…`), which ffmpeg sends as the first tag. Media
 * before any onMetaData, an onMetaData without streamName, or a few other script tags first mean
 * the input names no stream. Tags become frames through decodeFlvPayload.
 */
export class RawFlvInput implements RawIngestInput {
  readonly namesFirst = true;
  private readonly demuxer: FlvDemuxer;
  private named = false;
  private scriptTags = 0;

  constructor(options: FlvDemuxerOptions = {}) {
    this.demuxer = new FlvDemuxer(options);
  }

  push(bytes: Uint8Array): RawIngestOutput {
    const frames: MediaFrame[] = [];
    let streamName: string | null | undefined;
    let noNameReason: string | undefined;
    for (const tag of this.demuxer.push(bytes)) {
      if (!this.named) {
        if (tag.tagType === 18) {
          const name = flvStreamName(tag.body);
          const frame = decodeFlvPayload(tag.tagType, tag.timestamp, tag.body);
          if (frame?.kind === 'metadata') {
            this.named = true;
            streamName = name ?? null;
            if (name === undefined) noNameReason = 'onMetaData without streamName';
          } else if (++this.scriptTags >= MAX_SCRIPT_TAGS_BEFORE_NAME) {
            this.named = true;
            streamName = null;
            noNameReason = `no onMetaData in the first ${MAX_SCRIPT_TAGS_BEFORE_NAME} script tags`;
          }
          if (frame) frames.push(frame);
          continue;
        }
        this.named = true;
        streamName = null;
        noNameReason = 'media before onMetaData';
      }
      const frame = decodeFlvPayload(tag.tagType, tag.timestamp, tag.body);
      if (frame) frames.push(frame);
    }
    return streamName === undefined ? { frames } : { frames, streamName, ...(noNameReason ? { noNameReason } : {}) };
  }

  bufferedBytes(): number {
    return this.demuxer.bufferedBytes;
  }

  end(): RawIngestOutput {
    return { frames: [] };
  }
}
