/** Why a datagram was not taken: another host, another port than the latched one, another SSRC. */
export type RtpDropReason = 'address' | 'port' | 'ssrc';

/** Where a publisher's RTP and RTCP come from, as far as known when its track is set up. */
export interface RtpSourceLatchOptions {
  /** The RTSP client's address: datagrams from any other host are dropped. */
  readonly address: string;
  /** `client_port` of the SETUP Transport (RTP, RTCP); latched from the first datagram when absent. */
  readonly clientPort?: readonly [number, number];
  /** `ssrc` of the SETUP Transport; latched from the first RTP packet when absent. */
  readonly ssrc?: number;
}

/**
 * The source of one UDP-published RTP track: the publisher's address, its RTP and RTCP source
 * ports (from `client_port`, else the first datagram of each) and its SSRC (from the Transport,
 * else the first RTP packet), as gortsplib's server does for UDP publishers. Anything else is
 * an injection attempt into a live publish, or a flood, and is dropped with a reason.
 */
export class RtpSourceLatch {
  private rtpPort: number | undefined;
  private rtcpPort: number | undefined;
  private ssrc: number | undefined;

  constructor(private readonly opts: RtpSourceLatchOptions) {
    this.rtpPort = opts.clientPort?.[0];
    this.rtcpPort = opts.clientPort?.[1];
    this.ssrc = opts.ssrc;
  }

  /**
   * Whether a datagram from `address`:`port` is this track's (undefined) or why not. The first
   * acceptable datagram latches what was not known yet. RTCP packets name their sender's SSRC at
   * bytes 4–7 (RFC 3550 §6.4); RTP packets at bytes 8–11 (§5.1). Datagrams too short to carry an
   * SSRC are left for the parser to refuse.
   */
  check(kind: 'rtp' | 'rtcp', address: string, port: number, bytes: Uint8Array): RtpDropReason | undefined {
    if (address !== this.opts.address) return 'address';
    const latched = kind === 'rtp' ? this.rtpPort : this.rtcpPort;
    if (latched !== undefined && latched !== port) return 'port';
    const at = kind === 'rtp' ? 8 : 4;
    const ssrc = bytes.length >= at + 4 ? ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0 : undefined;
    if (ssrc !== undefined && this.ssrc !== undefined && ssrc !== this.ssrc) return 'ssrc';
    // RTCP may come first, but only RTP names the media source (an RTCP-only SSRC is not latched)
    if (ssrc !== undefined && kind === 'rtp') this.ssrc ??= ssrc;
    if (kind === 'rtp') this.rtpPort ??= port;
    else this.rtcpPort ??= port;
    return undefined;
  }
}
