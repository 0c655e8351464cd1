import type { Server } from 'node:net';
import type { IngestContext } from '../ingest-context.js';
import { RawFlvInput } from './raw-flv-input.js';
import { createRawTcpServer } from './raw-tcp-server.js';

/**
 * The raw FLV over TCP listener (port 6666, crtmpserver inboundLiveFlv): `ffmpeg -f flv -metadata
 * streamName=NAME tcp://host:6666/…` publishes `STREAMGATE_FLV_APP/NAME` (the URL path is not
 * sent over raw TCP).
 */
export function createFlvTcpServer(ctx: IngestContext): Server {
  return createRawTcpServer(ctx, { protocol: 'flv-tcp', app: ctx.config.flvApp, input: () => new RawFlvInput() });
}

/**
 * The seed's proxypublish listener (port 6665): raw FLV over TCP like 6666, same allow-list,
 * publishing `STREAMGATE_RELAY_FLV_APP/NAME` as protocol `flv-relay`; the relay manager pushes
 * those streams to STREAMGATE_RELAY_FLV_PUSH (and any managed relay that matches).
 */
export function createRelayFlvTcpServer(ctx: IngestContext): Server {
  return createRawTcpServer(ctx, { protocol: 'flv-relay', app: ctx.config.relayFlvApp, input: () => new RawFlvInput() });
}
