import { freePort } from './wait.js';

/** Ports a child ingest is told to listen on (each was free a moment ago). */
export interface ListenerPorts {
  readonly http: number;
  readonly rtmp: number;
  readonly flv: number;
  readonly ts: number;
  readonly rtsp: readonly number[];
  readonly admin: number;
}

/**
 * Loopback settings for an ingest in a child process: HTTP, RTMP, raw FLV, raw TS, `rtspCount`
 * RTSP and the admin listener on ports free a moment ago, relay FLV on a free one and SRT off.
 */
export async function freeListenerPorts(rtspCount = 1): Promise<{ ports: ListenerPorts; env: Record<string, string> }> {
  const [http, rtmp, flv, ts, admin, ...rtsp] = await Promise.all(Array.from({ length: 5 + rtspCount }, freePort));
  const ports: ListenerPorts = { http: http!, rtmp: rtmp!, flv: flv!, ts: ts!, rtsp, admin: admin! };
  const env = {
    STREAMGATE_HOST: '127.0.0.1',
    STREAMGATE_HTTP_PORT: String(ports.http),
    STREAMGATE_RTMP_PORT: String(ports.rtmp),
    STREAMGATE_FLV_PORT: String(ports.flv),
    STREAMGATE_RELAY_FLV_PORT: '0',
    STREAMGATE_TS_PORT: String(ports.ts),
    STREAMGATE_SRT_PORT: '0',
    STREAMGATE_RTSP_PORTS: rtsp.join(','),
    STREAMGATE_ADMIN_PORT: String(ports.admin),
  };
  return { ports, env };
}
