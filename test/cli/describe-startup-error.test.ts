import { describe, expect, it } from 'vitest';
import { describeStartupError } from '#cli/describe-startup-error.js';
import { loadConfig } from '#ingest/config.js';

const inUse = (port: number) => Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', syscall: 'listen', port, address: '0.0.0.0' });

describe('describeStartupError: what 0 means for the port in use', () => {
  const config = loadConfig({ STREAMGATE_HTTP_PORT: '18080', STREAMGATE_SRT_PORT: '18890', STREAMGATE_ADMIN_PORT: '11112' });

  it('a TCP listener (HTTP, admin) gets a free port with 0, as the tests run it', () => {
    expect(describeStartupError(inUse(18080), config)).toContain('set STREAMGATE_HTTP_PORT to a free port (0 picks one)');
    expect(describeStartupError(inUse(11112), config)).toContain('set STREAMGATE_ADMIN_PORT to a free port (0 picks one)');
  });

  it('SRT is UDP: 0 turns it off', () => {
    const bind = { ...inUse(18890), syscall: 'bind' };
    expect(describeStartupError(bind, config)).toContain('set STREAMGATE_SRT_PORT to a free port (0 turns SRT off)');
  });
});
