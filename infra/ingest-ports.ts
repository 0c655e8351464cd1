/** A listener on the Network Load Balancer. */
export interface IngestListener {
  readonly port: number;
  /** `TLS` listeners terminate RTMPS with the ACM certificate from context. */
  readonly protocol: 'TCP' | 'TLS';
}

/** One target group: a container port and the listeners that forward to it. */
export interface IngestTarget {
  /** Construct id and target group name suffix. */
  readonly name: string;
  readonly containerPort: number;
  readonly listeners: readonly IngestListener[];
}

/**
 * The ingest's public ports. An ECS service attaches at most five target groups, so listeners
 * that speak the same protocol share one: TLS 443 (RTMPS, terminated at the NLB) and TCP 1935
 * both reach the RTMP port; RTSP 5544 and 5554 both reach the RTSP listener on 5544 (the ingest
 * serves the same RTSP on both). Container 8081 (RTMPS with the ingest's own certificate) is not
 * exposed: the NLB terminates TLS.
 */
export const INGEST_TARGETS: readonly IngestTarget[] = [
  { name: 'rtmp', containerPort: 1935, listeners: [{ port: 1935, protocol: 'TCP' }, { port: 443, protocol: 'TLS' }] },
  { name: 'rtsp', containerPort: 5544, listeners: [{ port: 5544, protocol: 'TCP' }, { port: 5554, protocol: 'TCP' }] },
  { name: 'flv', containerPort: 6666, listeners: [{ port: 6666, protocol: 'TCP' }] },
  { name: 'ts', containerPort: 9999, listeners: [{ port: 9999, protocol: 'TCP' }] },
  { name: 'http', containerPort: 8080, listeners: [{ port: 8080, protocol: 'TCP' }] },
];

/** The ingest's HTTP port: HTTP-FLV, HLS, RTMPT, and `/healthz` for every health check. */
export const HEALTH_CHECK_PORT = 8080;
/** Health check path served by the ingest's HTTP listener. */
export const HEALTH_CHECK_PATH = '/healthz';
/** ECS attaches at most this many target groups to one service. */
export const MAX_TARGET_GROUPS_PER_SERVICE = 5;
