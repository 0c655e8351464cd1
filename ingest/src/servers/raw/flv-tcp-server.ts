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
