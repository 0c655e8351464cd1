import { defineConfig } from 'vitest/config';

/**
 * Tests outside test/e2e that start processes (ffmpeg, ffprobe, esbuild, the cdk CLI, the
 * streamgate CLI): the `integration` project. Everything else under test/ is `unit`, whose setup
 * makes any child_process call throw (test/support/no-child-process.ts), so `npm run test:unit`
 * starts nothing. `npm test` runs all three projects.
 */
const INTEGRATION = [
  'test/build/build-cli.test.ts',
  'test/build/console-bundle-size.test.ts',
  'test/build/dockerfile.test.ts',
  'test/build/function-bundles.test.ts',
  'test/build/ingest-bundle.test.ts',
  'test/cli/admin-command.test.ts',
  'test/cli/start-command.test.ts',
  'test/cli/start-errors.test.ts',
  'test/cli/users-cli-details.test.ts',
  'test/cli/users-command.test.ts',
  'test/docs/first-publish.test.ts',
  'test/infra/cdk-synth.test.ts',
  'test/ingest/auth/ffmpeg-adobe-auth.test.ts',
  'test/ingest/auth/sigv4-ingest-bundle.test.ts',
  'test/ingest/protocols/flv/flv-muxer.test.ts',
  'test/ingest/protocols/hls/ts-segment-writer.test.ts',
  'test/ingest/protocols/http/ffmpeg-http-playback.test.ts',
  'test/ingest/protocols/mpegts/ts-muxer.test.ts',
  'test/ingest/protocols/rtmp/ffmpeg-play.test.ts',
  'test/ingest/protocols/rtmp/ffmpeg-publish.test.ts',
  'test/ingest/protocols/rtmpt/ffmpeg-rtmpt.test.ts',
  'test/ingest/servers/http/console/console-api.test.ts',
  'test/ingest/servers/http/web/web-assets.test.ts',
  'test/security/srt-key-derivation-flood.test.ts',
  'test/security/stream-identity.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    // Two test files at a time, also on a 2-core machine (vitest's default there is one): most
    // e2e time is waiting on real-time media (ffmpeg at 25 fps, SRT/HLS timers). The e2e project
    // took 270 s with two against about 490 s one at a time (2026-12-03, 2-core machine).
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', ...INTEGRATION], setupFiles: ['test/support/no-child-process.ts'] },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
