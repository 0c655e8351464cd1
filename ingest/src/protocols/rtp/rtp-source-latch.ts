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
 * ports (from `client_port`, else the first datagram of each) and its RTP SSRC (from the
 * Transport, else the first RTP packet), as gortsplib's server does for UDP publishers. Anything
 * else is an injection attempt into a live publish, or a flood, and is dropped with a reason.
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
   * acceptable datagram latches what was not known yet. RTP packets name their source's SSRC at
   * bytes 8–11 (RFC 3550 §5.1); RTCP is held to the address and port only, since a sender's RTCP
   * session may report under its own SSRC (GStreamer's rtpbin sends receiver reports that way).
   * Datagrams too short to carry an SSRC are left for the parser to refuse.
   */
  check(kind: 'rtp' | 'rtcp', address: string, port: number, bytes: Uint8Array): RtpDropReason | undefined {
    if (address !== this.opts.address) return 'address';
    if (kind === 'rtcp') {
      if (this.rtcpPort !== undefined && this.rtcpPort !== port) return 'port';
      this.rtcpPort = port;
      return undefined;
    }
    if (this.rtpPort !== undefined && this.rtpPort !== port) return 'port';
    const ssrc = bytes.length >= 12 ? ((bytes[8] << 24) | (bytes[9] << 16) | (bytes[10] << 8) | bytes[11]) >>> 0 : undefined;
    if (ssrc !== undefined && this.ssrc !== undefined && ssrc !== this.ssrc) return 'ssrc';
    if (ssrc !== undefined) this.ssrc ??= ssrc;
    this.rtpPort ??= port;
    return undefined;
  }
}
