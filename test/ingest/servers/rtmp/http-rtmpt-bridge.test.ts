import { afterEach, describe, expect, it } from 'vitest';
import { HANDSHAKE_PACKET_SIZE as C1_SIZE } from '#ingest/protocols/rtmp/rtmp-handshake.js';
import { RtmptBridge } from '#ingest/servers/rtmp/rtmpt-bridge.js';
import { sleep } from '#test/support/wait.js';
import { testContext } from '#test/support/test-context.js';

const options = { chunkSize: 4096, handshakeTimeoutMs: 5000, idleTimeoutMs: 5000, sessionIdleMs: 150 };
const empty = new Uint8Array(0);

describe('RtmptBridge (RTMPT tunnel sessions carrying RtmpConnections)', () => {
  let bridge: RtmptBridge | undefined;
  afterEach(() => bridge?.close());

  it('opens a session as an rtmpt connection and answers the RTMP handshake on the next poll', async () => {
    const ctx = testContext();
    bridge = new RtmptBridge(ctx, options);
    const open = bridge.handle('POST', ['open', '1'], Uint8Array.of(0), '10.0.0.1');
    expect(open.status).toBe(200);
    const id = Buffer.from(open.body).toString('latin1').trim();
    expect(ctx.registry.list()).toEqual([expect.objectContaining({ protocol: 'rtmpt', remoteAddress: '10.0.0.1' })]);
    // C0 + C1: the server answers S0 S1 S2 through the tunnel.
    const c0c1 = new Uint8Array(1 + C1_SIZE);
    c0c1[0] = 3;
    const send = bridge.handle('POST', ['send', id, '0'], c0c1, '10.0.0.1');
    let got = send.body.length - 1;
    for (let seq = 1; got < 1 + 2 * C1_SIZE && seq < 20; seq++) {
      await sleep(5);
      got += bridge.handle('POST', ['idle', id, String(seq)], empty, '10.0.0.1').body.length - 1;
    }
    expect(got).toBe(1 + 2 * C1_SIZE);
  });

  it('ends the RTMP connection on /close and forgets the session', async () => {
    const ctx = testContext();
    bridge = new RtmptBridge(ctx, options);
    const id = Buffer.from(bridge.handle('POST', ['open', '1'], empty, 'a').body).toString('latin1').trim();
    expect(bridge.handle('POST', ['close', id, '0'], empty, 'a').status).toBe(200);
    await sleep(10);
    expect(ctx.registry.size).toBe(0);
    expect(bridge.size).toBe(0);
    expect(() => bridge!.handle('POST', ['idle', id, '1'], empty, 'a')).toThrow(expect.objectContaining({ code: 'RTMPT_UNKNOWN_SESSION' }));
  });

  it('expires a session whose client stopped polling, closing its connection', async () => {
    const ctx = testContext();
    bridge = new RtmptBridge(ctx, options);
    bridge.handle('POST', ['open', '1'], empty, 'a');
    expect(ctx.registry.size).toBe(1);
    await sleep(500);
    expect(ctx.registry.size).toBe(0);
    expect(bridge.size).toBe(0);
  });

  it('refuses new sessions while draining (503) but keeps serving open ones', () => {
    const ctx = testContext();
    bridge = new RtmptBridge(ctx, options);
    const id = Buffer.from(bridge.handle('POST', ['open', '1'], empty, 'a').body).toString('latin1').trim();
    ctx.state.draining = true;
    expect(() => bridge!.handle('POST', ['open', '1'], empty, 'a')).toThrow(expect.objectContaining({ code: 'RTMPT_TOO_MANY_SESSIONS' }));
    expect(bridge.handle('POST', ['idle', id, '0'], empty, 'a').status).toBe(200);
  });
});
