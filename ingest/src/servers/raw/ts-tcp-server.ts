import type { Server } from 'node:net';
import type { IngestContext } from '../ingest-context.js';
import { RawTsInput } from './raw-ts-input.js';
import { createRawTcpServer } from './raw-tcp-server.js';

/**
 * The raw MPEG-TS over TCP listener (port 9999, crtmpserver inboundTcpTs): `ffmpeg -f mpegts
 * -metadata service_name=NAME tcp://host:9999` publishes `STREAMGATE_TS_APP/NAME`.
 */
export function createTsTcpServer(ctx: IngestContext): Server {
  return createRawTcpServer(ctx, {
    protocol: 'ts-tcp',
    app: ctx.config.tsApp,
    // ffmpeg's mpegts muxer sends audio up to its max_delay behind the video of the same time
    interleave: true,
    input: () => new RawTsInput(),
  });
}
