import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveApiTarget } from '#cli/config.js';

describe('resolveApiTarget', () => {
  it('takes an RFC 6750 admin token from the flag, the environment or the data dir', () => {
    expect(resolveApiTarget({ adminToken: 'Flag-tok3n' }, {}).adminToken).toBe('Flag-tok3n');
    expect(resolveApiTarget({}, { STREAMGATE_ADMIN_TOKEN: 'Zm9vYg==' }).adminToken).toBe('Zm9vYg==');
  });

  it.each([
    ['--admin-token', { adminToken: 'with space' }, {}],
    ['STREAMGATE_ADMIN_TOKEN', {}, { STREAMGATE_ADMIN_TOKEN: 'with space' }],
  ])('refuses a token the API would answer 401 to, naming %s and never the value', (source, flags, env) => {
    let err: unknown;
    try {
      resolveApiTarget(flags, env);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: 'ConfigError', code: 'bad_bearer_token', variable: source });
    expect((err as Error).message).not.toContain('with space');
  });

  it('refuses a hand-edited admin-token file, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-cli-config-'));
    try {
      writeFileSync(join(dir, 'admin-token'), 'pa"ss\n');
      expect(() => resolveApiTarget({ dataDir: dir }, {})).toThrow(expect.objectContaining({ code: 'bad_bearer_token', variable: join(dir, 'admin-token') }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
