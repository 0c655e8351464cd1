import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');

// CI runs `npm test` only, so the offline synth the issue asks for is checked here: the real CDK
// CLI, cdk.json's app command, no AWS credentials or config, no Docker.
describe('npx cdk synth', () => {
  const work = mkdtempSync(join(tmpdir(), 'streamgate-synth-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('synthesizes the three stacks offline with no AWS credentials', () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: work, // no ~/.aws/config or credentials
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_VALIDATION: 'false',
      NO_COLOR: '1',
    };
    const out = join(work, 'cdk.out');
    const result = spawnSync(process.execPath, [join(repoRoot, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--no-notices', '-o', out], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
    expect(stacks.map(([name]) => name).sort()).toEqual(['streamgate-dev-api', 'streamgate-dev-data', 'streamgate-dev-ingest']);
    // Environment-agnostic: deploy picks the account and region from the caller's credentials.
    for (const [, a] of stacks) expect(a.environment).toBe('aws://unknown-account/unknown-region');
  }, 120_000);
});
