import { createSocket, type Socket } from 'node:dgram';

/** A bound RTP/RTCP pair of UDP sockets (RTP on an even port, RTCP on the next, RFC 3550 §11). */
export interface RtpUdpPair {
  readonly rtp: Socket;
  readonly rtcp: Socket;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  /** Closes both sockets and gives the ports back (idempotent). */
  close(): void;
}

/** No free pair left in the configured range (STREAMGATE_RTP_PORTS). */
export class RtpPortsExhaustedError extends Error {
  override readonly name = 'RtpPortsExhaustedError';
  readonly code = 'RTP_PORTS_EXHAUSTED';
}

/**
 * Hands out RTP/RTCP UDP socket pairs from a port range shared by every RTSP listener. Pairs in
 * use are remembered; a port some other process holds is skipped (EADDRINUSE), so parallel
 * ingests on one host just take different pairs.
 */
export class RtpUdpPorts {
  private readonly inUse = new Set<number>();
  private next: number;
  private readonly first: number;
  private readonly last: number;

  constructor(
    range: string,
    private readonly host: string,
  ) {
    const [from, to] = range.split('-').map(Number);
    this.first = from % 2 === 0 ? from : from + 1;
    this.last = to;
    this.next = this.first;
  }

  /** Binds the next free pair; rejects with RtpPortsExhaustedError when the whole range is busy. */
  async allocate(): Promise<RtpUdpPair> {
    const span = Math.max(0, Math.floor((this.last - this.first + 1) / 2));
    for (let tries = 0; tries < span; tries++) {
      const port = this.next;
      this.next = port + 2 > this.last - 1 ? this.first : port + 2;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      const pair = await this.bindPair(port).catch(() => undefined);
      if (pair) return pair;
      this.inUse.delete(port);
    }
    throw new RtpPortsExhaustedError(`no free RTP/RTCP port pair in ${this.first}-${this.last}`);
  }

  private async bindPair(port: number): Promise<RtpUdpPair> {
    const type = this.host.includes(':') ? 'udp6' : 'udp4';
    const rtp = createSocket(type);
    const rtcp = createSocket(type);
    try {
      await bind(rtp, port, this.host);
      await bind(rtcp, port + 1, this.host);
    } catch (err) {
      rtp.close();
      rtcp.close();
      throw err;
    }
    let closed = false;
    return {
      rtp,
      rtcp,
      rtpPort: port,
      rtcpPort: port + 1,
      close: () => {
        if (closed) return;
        closed = true;
        rtp.close();
        rtcp.close();
        this.inUse.delete(port);
      },
    };
  }
}

function bind(socket: Socket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', reject);
      // Later errors (ICMP port unreachable on send) must not crash the process.
      socket.on('error', () => {});
      resolve();
    });
  });
}
