import type { Hub, Publication } from '../hub/hub.js';
import type { RelayUrl } from '../../../domain/src/relay-url.js';
import { createSourceClient } from './create-source-client.js';
import { RelayLink, type RelayLinkOptions } from './relay-link.js';
import type { SourceClient } from './source-client.js';

/** What a pull source needs besides its link options. */
export interface PullSourceOptions extends RelayLinkOptions {
  readonly source: RelayUrl;
  readonly hub: Hub;
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
}

/**
 * A hub stream whose publisher is a remote URL: reads it with the matching source client and
 * publishes what arrives under `stream`, like any local publisher (every output plays it).
 * Reconnects with backoff while started; the owner decides when (always on, or on demand).
 */
export class PullSource extends RelayLink {
  private client: SourceClient | undefined;
  private publication: Publication | undefined;

  constructor(private readonly options: PullSourceOptions) {
    super(options);
  }

  protected connect(): void {
    let client: SourceClient;
    const lost = (code: string, message: string): void => {
      if (this.client !== client) return;
      this.client = undefined;
      this.addBytes(client.bytesIn);
      this.endPublication();
      client.close();
      this.connectionLost({ code, message });
    };
    try {
      client = createSourceClient(this.options.source, { allowPrivate: this.options.allowPrivate, timeoutMs: this.options.timeoutMs }, {
        onStart: () => {
          if (this.client !== client) return;
          const result = this.options.hub.publish(this.options.stream, {
            id: this.id,
            protocol: 'relay-pull',
            remoteAddress: this.options.source.host,
            kick: (reason) => lost('RELAY_KICKED', `kicked: ${reason}`),
          });
          if (!result.ok) {
            lost('RELAY_STREAM_BUSY', `${this.options.stream} already has a publisher (${result.current.protocol})`);
            return;
          }
          this.publication = result.publication;
          this.markLive();
        },
        onFrame: (frame) => this.publication?.push(frame),
        onClose: (err) => {
          if (this.client !== client) return;
          this.client = undefined;
          this.addBytes(client.bytesIn);
          this.endPublication();
          this.connectionLost(err === undefined ? { code: 'RELAY_CLOSED', message: 'closed' } : { code: err.code, message: err.message });
        },
      });
    } catch (err) {
      queueMicrotask(() => this.connectionLost({ code: 'RELAY_BAD_URL', message: (err as Error).message }));
      return;
    }
    this.client = client;
    client.start();
  }

  private endPublication(): void {
    this.publication?.end();
    this.publication = undefined;
  }

  protected disconnect(): void {
    const client = this.client;
    this.client = undefined;
    this.endPublication();
    if (client !== undefined) {
      this.addBytes(client.bytesIn);
      client.close();
    }
  }

  override status() {
    const s = super.status();
    return { ...s, bytes: s.bytes + (this.client?.bytesIn ?? 0) };
  }
}
