import { describe, expect, it } from 'vitest';
import { adminServerOver, isLoopbackHost } from '#ingest/servers/admin/admin-server.js';
import { testContext } from '#test/support/test-context.js';

describe('adminServerOver (the AdminServer over hub and registry)', () => {
  it('lists only live streams, with the stream path as `stream`', async () => {
    const ctx = testContext();
    ctx.hub.publish('live/a', { id: 'c1', protocol: 'rtmp', remoteAddress: '1.2.3.4', kick: () => undefined });
    ctx.hub.subscribe('live/waiting', { id: 'r', protocol: 'rtmp', onPublish() {}, write: () => true, onUnpublish() {}, onEnd() {} });
    const server = adminServerOver(ctx, () => undefined);
    const streams = await server.listStreams();
    expect(streams.map((s) => s.stream)).toEqual(['live/a']);
    expect(streams[0]).toMatchObject({ live: true, publisher: { id: 'c1', protocol: 'rtmp' } });
    expect(await server.streamInfo('live/waiting')).toBeUndefined();
  });

  it('kicks a registered connection by id and reports unknown ids', async () => {
    const ctx = testContext();
    const kicked: string[] = [];
    ctx.registry.add({
      id: 'c7',
      protocol: 'rtmp',
      remoteAddress: '1.2.3.4',
      since: 0,
      role: 'player',
      stream: 's',
      bytesIn: () => 10,
      bytesOut: () => 20,
      kick: (reason) => kicked.push(reason),
    });
    const server = adminServerOver(ctx, () => undefined);
    expect(await server.listConnections()).toEqual([
      { connectionId: 'c7', protocol: 'rtmp', remoteAddress: '1.2.3.4', since: 0, role: 'player', stream: 's', bytesIn: 10, bytesOut: 20 },
    ]);
    expect(await server.kick('c7')).toBe(true);
    expect(kicked).toHaveLength(1);
    expect(await server.kick('c8')).toBe(false);
  });

  it('drops only live streams, kicking their publisher', async () => {
    const ctx = testContext();
    const kicks: string[] = [];
    ctx.hub.publish('live/a', { id: 'c1', protocol: 'rtmp', remoteAddress: '1.2.3.4', kick: (r) => kicks.push(r) });
    const server = adminServerOver(ctx, () => undefined);
    expect(await server.dropStream('live/none')).toBe(false);
    expect(await server.dropStream('live/a')).toBe(true);
    expect(kicks).toHaveLength(1);
  });

  it('starts the shutdown after the answer had time to go out', async () => {
    let calls = 0;
    const server = adminServerOver(testContext(), () => calls++);
    await server.shutdown();
    expect(calls).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(calls).toBe(1);
  });
});

describe('isLoopbackHost', () => {
  it('accepts 127.0.0.0/8, ::1 and localhost and nothing else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '127.0.0.1.example.com']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
