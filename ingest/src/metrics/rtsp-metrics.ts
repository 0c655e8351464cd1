import type { RtpDropReason } from '../protocols/rtp/rtp-source-latch.js';
import type { MetricsRegistry } from './metrics-registry.js';

/** Counts of the RTSP servers. */
export interface RtspMetrics {
  /** A UDP datagram on a publisher's RTP/RTCP port that was not from its latched source. */
  udpDropped(reason: RtpDropReason): void;
}

/** Registers `streamgate_rtsp_udp_dropped_total{reason}` (address, port, ssrc). */
export function registerRtspMetrics(registry: MetricsRegistry): RtspMetrics {
  const dropped = registry.counter<'reason'>({
    name: 'streamgate_rtsp_udp_dropped_total',
    help: 'UDP datagrams on an RTSP publisher\'s ports dropped as not from its latched source (address, port or SSRC)',
    labelNames: ['reason'],
  });
  return { udpDropped: (reason) => dropped.inc({ reason }) };
}
