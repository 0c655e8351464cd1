import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ['bin/streamgate.js', 'start'], {
    env: { ...process.env, STREAMGATE_DATA_DIR: '/nonexistent-streamgate-test', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('streamgate start', () => {
  it('stops with exit code 2 and names the variable when a value is invalid', () => {
    const r = start({ STREAMGATE_RTMP_PORT: 'x' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('STREAMGATE_RTMP_PORT');
  });

  it('refuses IAM-signed function calls against the local functions, naming the variable', () => {
    const r = start({ STREAMGATE_FUNCTIONS_AUTH: 'iam' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('STREAMGATE_FUNCTIONS_AUTH');
  });

  it('lists every STREAMGATE_* variable with its default in --help', () => {
    const r = spawnSync(process.execPath, ['bin/streamgate.js', 'start', '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/STREAMGATE_RTMP_PORT\s+1935/);
    expect(r.stdout).toMatch(/STREAMGATE_DATA_DIR\s+\.\/\.data/);
    expect(r.stdout).not.toContain('NodeVersionSupportWarning');
  });
});
