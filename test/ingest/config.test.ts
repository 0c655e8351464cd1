import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '#ingest/config.js';

describe('ingest config', () => {
  it('uses the documented defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.rtmpPort).toBe(1935);
    expect(c.rtmpsPort).toBe(8081);
    expect(c.httpPort).toBe(8080);
    expect(c.flvPort).toBe(6666);
    expect(c.tsPort).toBe(9999);
    expect(c.rtspPorts).toEqual(['5544', '5554']);
    expect(c.adminPort).toBe(1112);
    expect(c.functionsPort).toBe(3000);
    expect(c.dataDir).toBe('./.data');
    expect(c.auth).toBe('on');
    expect(c.playAuth).toBe('none');
  });

  it.each([
    ['STREAMGATE_RTMP_PORT', 'abc'],
    ['STREAMGATE_RTMP_PORT', '70000'],
    ['STREAMGATE_AUTH', 'maybe'],
    ['STREAMGATE_GOP_CACHE_MAX_BYTES', '-1'],
    ['STREAMGATE_TEA_SECRET', 'short'],
    ['STREAMGATE_RTP_PORTS', '20000'],
    ['STREAMGATE_RTSP_PORTS', '5544,x'],
  ])('stops start-up naming %s when it is %s', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as ConfigError).message).toContain(name);
  });

  it.each(['STREAMGATE_ADMIN_TOKEN', 'STREAMGATE_SERVICE_TOKEN'])('refuses a %s the functions could never accept as a bearer token, naming it and not its value', (name) => {
    let err: unknown;
    try {
      loadConfig({ [name]: 'my token!' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as ConfigError).message).not.toContain('my token!');
    expect(loadConfig({ [name]: 'Ab3-._~+/x==' })).toBeDefined();
  });

  it('refuses a STREAMGATE_CLUSTER_TOKEN the pull listener could never match (a space, a quote), and one under 16 characters', () => {
    const load = (token: string) => () => loadConfig({ STREAMGATE_CLUSTER_TOKEN: token });
    expect(load('cluster token with spaces')).toThrow(/STREAMGATE_CLUSTER_TOKEN: only letters/);
    expect(load('"quoted-cluster-token"')).toThrow(ConfigError);
    expect(load('short-token')).toThrow(/at least 16 characters/);
    expect(loadConfig({ STREAMGATE_CLUSTER_TOKEN: 'cluster-token-for-tests-0123' }).clusterToken).toBe('cluster-token-for-tests-0123');
  });

  it('requires the TLS certificate and key together', () => {
    expect(() => loadConfig({ STREAMGATE_TLS_CERT: 'cert.pem' })).toThrow(ConfigError);
  });

  it('lists every variable with its default for --help', () => {
    const text = describeConfig();
    expect(text).toContain('STREAMGATE_RTMP_PORT');
    expect(text).toMatch(/STREAMGATE_DATA_DIR\s+\.\/\.data/);
  });
});
