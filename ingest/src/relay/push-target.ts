import type { Hub } from '../hub/hub.js';
import type { ReaderEndReason, ReaderSink } from '../hub/reader-sink.js';
import type { Subscription } from '../hub/subscription.js';
import { RelayLink, type RelayLinkOptions } from './relay-link.js';
import { RtmpClient } from './rtmp-client.js';
import type { RtmpEndpoint } from './rtmp-endpoint.js';
import { SrtClient } from './srt-client.js';
import type { SrtEndpoint } from '#domain/srt-endpoint.js';

/** What a push target needs besides its link options. */
export interface PushTargetOptions extends RelayLinkOptions {
  /** An RTMP(S) target, or an SRT listener (MPEG-TS). */
  readonly endpoint: { readonly kind: 'rtmp'; readonly rtmp: RtmpEndpoint } | { readonly kind: 'srt'; readonly srt: SrtEndpoint };
  readonly hub: Hub;
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
}

/**
 * Restreams one hub stream to one RTMP(S) or SRT target while the stream is live. The target is an
 * ordinary hub reader: its queue is the hub's bounded per-reader queue, so a target that cannot
 * keep up never slows the publisher or players; it drops to the next keyframe (counted), and one
 * blocked past the reader deadline is disconnected and retried with backoff.
 */
export class PushTarget extends RelayLink {
  private client: RtmpClient | SrtClient | undefined;
  private sub: Subscription | undefined;

  constructor(private readonly options: PushTargetOptions) {
    super(options);
  }

  protected connect(): void {
    const { endpoint, allowPrivate, timeoutMs } = this.options;
    const onClose = (err: Error | undefined): void => {
      if (this.client !== client) return;
      this.client = undefined;
      this.addBytes(client.bytesOut);
      this.unsubscribe();
      this.connectionLost(err === undefined ? { code: 'RELAY_CLOSED', message: 'closed' } : { code: (err as { code?: string }).code, message: err.message });
    };
    const onDrain = (): void => this.sub?.resume();
    const client =
      endpoint.kind === 'srt'
        ? new SrtClient({ endpoint: endpoint.srt, mode: 'publish', allowPrivate, timeoutMs, onStart: () => this.client === client && this.onPublishing(), onDrain, onClose })
        : new RtmpClient({
            endpoint: endpoint.rtmp,
            mode: 'publish',
            allowPrivate,
            timeoutMs,
            onEvent: (event) => {
              if (event.type === 'publishing' && this.client === client) this.onPublishing();
            },
            onDrain,
            onClose,
          });
    this.client = client;
    client.start();
  }

  private onPublishing(): void {
    this.markLive();
    const client = this.client!;
    const sink: ReaderSink = {
      id: this.id,
      protocol: 'relay-push',
      // Both clients send bytes of their own: RTMP chunks encoded into a new buffer per frame
      // (encodeFrameChunks), SRT the TS muxer's output; the publisher's slabs are reused meanwhile.
      keepsNoFrameViews: true,
      onPublish: () => {},
      write: (frames) => client.writeFrames(frames),
      onUnpublish: () => {},
      onEnd: (reason: ReaderEndReason) => {
        if (this.sub !== undefined) this.framesDropped += this.sub.stats.framesDropped;
        this.sub = undefined;
        if (this.client !== client) return;
        // The target stalled past the reader deadline: drop the connection and retry.
        const stats = { code: reason === 'slow-reader' ? 'RELAY_TARGET_STALLED' : 'RELAY_READER_ENDED', message: `hub ended the relay reader: ${reason}` };
        this.client = undefined;
        this.addBytes(client.bytesOut);
        client.close();
        this.connectionLost(stats);
      },
    };
    this.sub = this.options.hub.subscribe(this.options.stream, sink);
  }

  private unsubscribe(): void {
    const sub = this.sub;
    this.sub = undefined;
    if (sub === undefined) return;
    this.framesDropped += sub.stats.framesDropped;
    sub.close();
  }

  protected disconnect(): void {
    const client = this.client;
    this.client = undefined;
    this.unsubscribe();
    if (client !== undefined) {
      this.addBytes(client.bytesOut);
      client.close();
    }
  }

  override status() {
    const s = super.status();
    const live = this.client?.bytesOut ?? 0;
    return { ...s, bytes: s.bytes + live, framesDropped: s.framesDropped + (this.sub?.stats.framesDropped ?? 0) };
  }
}
