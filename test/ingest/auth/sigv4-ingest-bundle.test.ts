import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuildScript } from '#test/build/build-script.js';
import { startTestDeps, TEA_SECRET } from '#test/functions/support/test-deps.js';
import { exited, publishTestPattern } from '#test/support/ffmpeg-runs.js';
import { startSigV4Gateway, type SigV4Gateway } from './sigv4-test-gateway.js';
import { freePort } from '#test/support/wait.js';

// The exact bundle the container runs, in IAM mode (STREAMGATE_FUNCTIONS_AUTH=iam as the stack
// sets it), behind an API Gateway stand-in that only admits calls signed with the task role.
describe('the ingest bundle in iam mode (ECS task role, SigV4 to API Gateway)', () => {
  const work = mkdtempSync(join(tmpdir(), 'streamgate-sigv4-bundle-'));
  const keys = new Map([['ASIATASKROLE0042', 'bundle-task-secret/42+']]);
  let functions: Awaited<ReturnType<typeof startTestDeps>>;
  let gw: SigV4Gateway;
  let creds: Server;
  let ingest: ChildProcess;
  let rtmpPort: number;
  let output = '';

  beforeAll(async () => {
    const { outfile } = await (await loadBuildScript()).buildIngest({ outdir: join(work, 'dist') });
    functions = await startTestDeps({ serviceToken: undefined, aclAuth: 'iam' });
    for (const name of ['alice12', 'bob1234']) {
      await functions.deps.users.create({ name, password: 's3cret-pass', enabled: true, grants: { publish: ['cam1'], play: [] }, ipRanges: [] });
    }
    gw = await startSigV4Gateway(functions.deps, keys);
    creds = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ AccessKeyId: 'ASIATASKROLE0042', SecretAccessKey: 'bundle-task-secret/42+', Token: 'task/session+token', Expiration: new Date(Date.now() + 3600_000).toISOString() }),
      ),
    );
    await new Promise<void>((r) => creds.listen(0, '127.0.0.1', r));
    rtmpPort = await freePort();
    const port = () => String(0);
    ingest = spawn(process.execPath, [outfile], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        STREAMGATE_FUNCTIONS_URL: gw.url,
        STREAMGATE_FUNCTIONS_AUTH: 'iam',
        AWS_REGION: 'eu-west-1',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(creds.address() as AddressInfo).port}/v2/credentials/task`,
        STREAMGATE_TEA_SECRET: TEA_SECRET,
        STREAMGATE_HOST: '127.0.0.1',
        STREAMGATE_RTMP_PORT: String(rtmpPort),
        STREAMGATE_HTTP_PORT: port(),
        STREAMGATE_RTMPS_PORT: port(),
        STREAMGATE_FLV_PORT: port(),
        STREAMGATE_RELAY_FLV_PORT: '0',
        STREAMGATE_TS_PORT: port(),
        STREAMGATE_SRT_PORT: '0',
        STREAMGATE_RTSP_PORTS: port(),
        STREAMGATE_ADMIN_PORT: port(),
        STREAMGATE_DRAIN_SECONDS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    ingest.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    ingest.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 100 && !/"rtmp"|listening/i.test(output); i++) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);

  afterAll(async () => {
    if (ingest && ingest.exitCode === null) {
      ingest.kill('SIGTERM');
      await exited(ingest);
    }
    creds?.closeAllConnections();
    await Promise.all([gw?.close(), creds && new Promise((r) => creds.close(r)), functions?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  const authEvents = () =>
    output
      .split('\n')
      .filter((l) => l.includes('"event":"auth"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('publishes with ffmpeg through query credentials and the Adobe challenge; every functions call was signed and admitted', async () => {
    expect(await exited(publishTestPattern(`rtmp://127.0.0.1:${rtmpPort}/live?user=alice12&pass=s3cret-pass/cam1`, { seconds: 1 }))).toBe(0);
    expect(await exited(publishTestPattern(`rtmp://alice12:s3cret-pass@127.0.0.1:${rtmpPort}/live/cam1`, { seconds: 1 }))).toBe(0);
    expect(gw.received.length).toBeGreaterThanOrEqual(2);
    expect(gw.received.every((r) => r.verdict === 200 && r.token === 'task/session+token' && !r.authorization.startsWith('Bearer'))).toBe(true);
    expect(authEvents().filter((e) => e.action === 'publish').map((e) => e.allowed)).toEqual([true, true]);
    expect(output).not.toMatch(/bundle-task-secret|task\/session\+token|s3cret-pass/);
  }, 30_000);

  it('denies a publish when API Gateway refuses the signature (the role lost its permission)', async () => {
    keys.set('ASIATASKROLE0042', 'rotated-elsewhere');
    // Another user, so no cached answer of the first test stands in for the functions.
    const child = publishTestPattern(`rtmp://127.0.0.1:${rtmpPort}/live?user=bob1234&pass=s3cret-pass/cam1`, { seconds: 1 });
    expect(await exited(child)).not.toBe(0);
    expect(gw.received.at(-1)!.verdict).toBe(403);
    // Query credentials are checked at connect: the refused /token call refuses the connect.
    expect(authEvents().at(-1)).toMatchObject({ action: 'connect', allowed: false, reason: 'service_unavailable', errorCode: 'auth_bad_status' });
  }, 30_000);
});
