import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '#cli/start-local-stack.js';
import { loadConfig } from '#ingest/config.js';
import { freeUdpPort } from '#test/support/udp.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

// `npm start`'s banner lists every endpoint a user can use, each with the scheme it speaks.
let stack: LocalStack;
let dataDir: string;
let srtPort: number;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'streamgate-banner-'));
  srtPort = await freeUdpPort();
  const ports = Object.fromEntries(['RTMP', 'HTTP', 'FLV', 'TS', 'FUNCTIONS', 'RELAY_FLV', 'RTMPS', 'RTSPS', 'ADMIN'].map((p) => [`STREAMGATE_${p}_PORT`, '0']));
  const config = loadConfig({
    ...ports,
    STREAMGATE_HOST: '127.0.0.1',
    STREAMGATE_RTSP_PORTS: '0,0',
    STREAMGATE_SRT_PORT: String(srtPort),
    STREAMGATE_DATA_DIR: dataDir,
    STREAMGATE_TLS_CERT: fixture('localhost-cert.pem'),
    STREAMGATE_TLS_KEY: fixture('localhost-key.pem'),
    STREAMGATE_LOG_LEVEL: 'warn',
  });
  stack = await startLocalStack(config);
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the start banner', () => {
  it('lists RTSP on each RTSP port, RTSPS with its own scheme, and the SRT publish and play stream ids', () => {
    const p = stack.ingest.ports;
    const lines = stack.banner.split('\n');
    expect(lines.filter((l) => l.trimStart().startsWith('RTSP '))).toEqual([
      `  RTSP          rtsp://127.0.0.1:${p.rtsp}/live/STREAM  (publish and play, RTP over TCP or UDP)`,
      `  RTSP          rtsp://127.0.0.1:${p.rtsp2}/live/STREAM  (publish and play, RTP over TCP or UDP)`,
    ]);
    expect(lines).toContain(`  RTSPS         rtsps://127.0.0.1:${p.rtsps}/live/STREAM  (publish and play, RTP interleaved in TLS)`);
    expect(lines).toContain(`  RTMPS         rtmps://127.0.0.1:${p.rtmps}/live/STREAM`);
    expect(lines).toContain(`  SRT           srt://127.0.0.1:${srtPort}?streamid=publish:live/STREAM:USER&passphrase=PASSWORD  (play: streamid=read:live/STREAM)`);
  });
});
