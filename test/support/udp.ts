import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { seededRandom } from './feeding.js';

/** A UDP port that was free a moment ago (bound to port 0 on 127.0.0.1, then closed). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Settings of a {@link UdpLossProxy}. */
export interface UdpLossProxyOptions {
  /** Share of datagrams dropped, each direction (0-1). */
  readonly loss: number;
  /** Share of datagrams held back 5-25 ms, so they arrive after later ones. */
  readonly reorder: number;
  readonly seed?: number;
}

/**
 * A UDP proxy for one client in front of `target`: every datagram either way may be dropped or
 * delayed (reordered), seeded. Counts what it dropped.
 */
export class UdpLossProxy {
  readonly dropped = { up: 0, down: 0 };
  readonly forwarded = { up: 0, down: 0 };
  private readonly front: Socket = createSocket('udp4');
  private readonly back: Socket = createSocket('udp4');
  private client: RemoteInfo | undefined;
  private readonly random: () => number;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly targetPort: number,
    private readonly options: UdpLossProxyOptions,
  ) {
    this.random = seededRandom(options.seed ?? 3);
    this.front.on('message', (msg, rinfo) => {
      this.client = rinfo;
      this.pass(msg, 'up', () => this.back.send(msg, this.targetPort, '127.0.0.1'));
    });
    this.back.on('message', (msg) => {
      const c = this.client;
      if (c) this.pass(msg, 'down', () => this.front.send(msg, c.port, c.address));
    });
  }

  /** Binds both sides; resolves with the port clients should call. */
  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.back.bind(0, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => this.front.bind(0, '127.0.0.1', () => resolve()));
    return this.front.address().port;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.front.close();
    this.back.close();
  }

  private pass(_msg: Buffer, dir: 'up' | 'down', send: () => void): void {
    if (this.random() < this.options.loss) {
      this.dropped[dir]++;
      return;
    }
    this.forwarded[dir]++;
    if (this.random() < this.options.reorder) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        send();
      }, 5 + this.random() * 20);
      this.timers.add(t);
    } else send();
  }
}
