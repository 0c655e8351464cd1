import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { PLAYER_CONNECT, startFunctionsGateway, startLocalStackForTest, waitFor, type FunctionsGateway, type LocalStackForTest } from '../support/local-stack-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';

// Message order with a scripted RTMP client: the publish is answered only after the functions
// answered (the ACL is made slow on purpose), and a denied publisher's frames — sent right after
// its publish command, before any answer — never reach a player.

const ACL_DELAY_MS = 400;
const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1'] };
const videoConfig: MediaFrame = { kind: 'video-config', codec: 'h264', record: Uint8Array.from([0x01, 0x64, 0x00, 0x1e, 0xff, 0xe1]) };
const frame = (dts: number): MediaFrame => ({ kind: 'video', codec: 'h264', dts, pts: dts, keyframe: true, data: Uint8Array.from([0, 0, 0, 2, 0x65, 0x88]) });

let s: LocalStackForTest;
let gw: FunctionsGateway;
beforeAll(async () => {
  gw = await startFunctionsGateway(() => s.functions.url);
  s = await startLocalStackForTest({ ingestFunctionsUrl: gw.url, users: [ALICE] });
});
afterAll(async () => {
  await s?.close();
  await gw?.close();
});

/** Connects with query credentials, sends publish and then frames at once, without waiting for an answer. */
async function eagerPublisher(name: string) {
  const c = new RtmpTestClient();
  expect((await c.connect(s.rtmpUrl(`live?user=${ALICE.name}&pass=${ALICE.password}`))).name).toBe('_result');
  const streamId = await c.createStream();
  const sentAt = Date.now();
  c.sendCommand('publish', 0, null, [name, 'live'], streamId);
  c.sendFrame(videoConfig, streamId);
  for (let i = 0; i < 10; i++) c.sendFrame(frame(i * 40), streamId);
  const status = await c.nextCommand((m) => m.name === 'onStatus' && m.streamId === streamId);
  return { c, status, sentAt, answeredAt: Date.now(), streamId };
}

async function player(name: string) {
  const p = new RtmpTestClient();
  expect((await p.connect(s.rtmpUrl('live'), PLAYER_CONNECT)).name).toBe('_result');
  expect((await p.play(name)).code).toBe('NetStream.Play.Reset');
  return p;
}

describe('publish auth message order (scripted RTMP client)', () => {
  it('sends no Publish.Start before the functions have answered the ACL lookup', async () => {
    gw.delays = { '/acl': ACL_DELAY_MS };
    const watcher = await player('cam1');
    const { c, status, sentAt, answeredAt, streamId } = await eagerPublisher('cam1');
    expect(status.code).toBe('NetStream.Publish.Start');
    const acl = gw.answered.filter((a) => a.path === '/acl');
    expect(acl).toHaveLength(1);
    expect(acl[0].at - sentAt).toBeGreaterThanOrEqual(ACL_DELAY_MS - 5);
    expect(answeredAt).toBeGreaterThanOrEqual(acl[0].at);
    // Every onStatus on the publishing stream: Start is the first and only one.
    expect(c.received.filter((m) => m.kind === 'command' && m.streamId === streamId).map((m) => m.kind === 'command' && m.code)).toEqual(['NetStream.Publish.Start']);
    // Frames sent after the accepted publish do reach the player.
    c.sendFrame(videoConfig, streamId);
    c.sendFrame(frame(1000), streamId);
    await watcher.nextMessage((m) => m.kind === 'media' && m.typeId === 9, 5000);
    await c.close();
    await watcher.close();
    await waitFor(() => !s.ingest.hub.isLive('live/cam1'), 5000, 'unpublish');
  });

  it('never lets frames of a denied publisher reach a player, and never says Publish.Start to it', async () => {
    gw.delays = { '/acl': ACL_DELAY_MS };
    const watcher = await player('other');
    const { c, status } = await eagerPublisher('other');
    expect(status.code).toBe('NetStream.Publish.Denied');
    expect(status.args[0]).toMatchObject({ description: 'Stream name not allowed for the logged in user: other' });
    await c.closed;
    expect(c.received.some((m) => m.kind === 'command' && m.code === 'NetStream.Publish.Start')).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(watcher.received.filter((m) => m.kind === 'media')).toEqual([]);
    expect(watcher.received.some((m) => m.kind === 'command' && m.code === 'NetStream.Play.PublishNotify')).toBe(false);
    expect(s.ingest.hub.isLive('live/other')).toBe(false);
    await watcher.close();
  });
});
