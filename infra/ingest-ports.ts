/** A listener on the Network Load Balancer. */
export interface IngestListener {
  readonly port: number;
  /** `TLS` listeners terminate TLS at the NLB with the ACM certificate from context; `UDP` is SRT. */
  readonly protocol: 'TCP' | 'TLS' | 'UDP';
}

/** One target group: a container port and the listeners that forward to it. */
export interface IngestTarget {
  /** Construct id and target group name suffix. */
  readonly name: string;
  readonly containerPort: number;
  readonly listeners: readonly IngestListener[];
  /**
   * `raw`: FLV/TS over TCP, which carry no credentials: listeners, target group and rules exist
   * only when `rawAllowFrom` names a source (and then admit only those sources).
   * `srt`: SRT over UDP from the publisher CIDRs, exposed when raw ingest is not (five target
   * groups per service: three public, then either SRT or the two raw ones).
   */
  readonly access: 'public' | 'raw' | 'srt';
}

/**
 * The ingest's public ports. An ECS service attaches at most five target groups, so listeners
 * that speak the same protocol share one: TLS 443 (RTMPS, terminated at the NLB) and TCP 1935
 * both reach the RTMP port; RTSP 5544 and 5554 and TLS 322 (RTSPS, terminated at the NLB) reach
 * the RTSP listener on 5544 (the ingest serves the same RTSP on both); TCP 8080 and TLS 8443 (HTTPS for HTTP-FLV, HLS and RTMPT,
 * terminated at the NLB) both reach the HTTP port. Container 8081 (RTMPS with the ingest's own
 * certificate) and 8322 (RTSPS) are not exposed: the NLB terminates TLS. That is three target groups; the fourth is
 * SRT (UDP 8890), or, when raw ingest is allowed, the two raw ones instead (five at most).
 */
export const INGEST_TARGETS: readonly IngestTarget[] = [
  { name: 'rtmp', containerPort: 1935, access: 'public', listeners: [{ port: 1935, protocol: 'TCP' }, { port: 443, protocol: 'TLS' }] },
  { name: 'rtsp', containerPort: 5544, access: 'public', listeners: [{ port: 5544, protocol: 'TCP' }, { port: 5554, protocol: 'TCP' }, { port: 322, protocol: 'TLS' }] },
  { name: 'http', containerPort: 8080, access: 'public', listeners: [{ port: 8080, protocol: 'TCP' }, { port: 8443, protocol: 'TLS' }] },
  { name: 'flv', containerPort: 6666, access: 'raw', listeners: [{ port: 6666, protocol: 'TCP' }] },
  { name: 'ts', containerPort: 9999, access: 'raw', listeners: [{ port: 9999, protocol: 'TCP' }] },
  // One UDP flow (client address and port) stays on one task for its life: SRT's peer state lives
  // on the task that took the handshake, so the NLB's 5-tuple flow pinning is what SRT needs.
  { name: 'srt', containerPort: 8890, access: 'srt', listeners: [{ port: 8890, protocol: 'UDP' }] },
];

/**
 * The ingest's health listener (STREAMGATE_HEALTH_PORT): `/healthz` for every target group's
 * health check and `/metrics`. No NLB listener forwards to it, so it is not reachable from the
 * internet, and its connection budget is its own, so viewer load on 8080 cannot fail the check.
 */
export const HEALTH_CHECK_PORT = 8079;
/** Health check path served by the ingest's health listener. */
export const HEALTH_CHECK_PATH = '/healthz';
/** ECS attaches at most this many target groups to one service. */
export const MAX_TARGET_GROUPS_PER_SERVICE = 5;
