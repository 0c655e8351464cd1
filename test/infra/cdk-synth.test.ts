import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');

// CI runs `npm test` only, so the offline synth (no credentials, no Docker) is checked here: the real CDK
// CLI, cdk.json's app command, no AWS credentials or config, no Docker.
describe('npx cdk synth', () => {
  const work = mkdtempSync(join(tmpdir(), 'streamgate-synth-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const env = (): Record<string, string> => ({
      PATH: process.env.PATH ?? '',
      HOME: work, // no ~/.aws/config or credentials
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_VALIDATION: 'false',
      NO_COLOR: '1',
  });
  const cdk = (out: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--no-notices', '-o', out, ...args], {
      cwd: repoRoot,
      env: env(),
      encoding: 'utf8',
      timeout: 180_000,
    });

  it("synthesizes the three stacks offline with no AWS credentials, cdk.json's context as shipped, cdk-nag passing", () => {
    const out = join(work, 'cdk.out');
    const result = cdk(out);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    // app.ts runs cdk-nag as a validation plugin: a finding would have failed the synth.
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/AwsSolutions-|Serverless-/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
    expect(stacks.map(([name]) => name).sort()).toEqual(['streamgate-dev-api', 'streamgate-dev-data', 'streamgate-dev-ingest']);
    // Environment-agnostic: deploy picks the account and region from the caller's credentials.
    for (const [, a] of stacks) expect(a.environment).toBe('aws://unknown-account/unknown-region');
  }, 180_000);

  it("synthesizes with the production flags of docs/deploy-aws.md -c minTasks=2 -c maxTasks=8", () => {
    const out = join(work, 'cdk.out.prod');
    // Only the ingest stack is selected, so the Lambda bundles are not built a second time; the
    // whole app (context checks, cdk-nag) still runs.
    const result = cdk(out, '-c', 'minTasks=2', '-c', 'maxTasks=8', '--exclusively', 'streamgate-dev-ingest');
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'streamgate-dev-ingest.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const scalable = Object.values(template.Resources).find((r) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget')!;
    expect(scalable.Properties).toMatchObject({ MinCapacity: 2, MaxCapacity: 8 });
    const service = Object.values(template.Resources).find((r) => r.Type === 'AWS::ECS::Service')!;
    expect(service.Properties.DesiredCount).toBe(2);
  }, 180_000);
});
