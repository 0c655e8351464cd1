import { describe, expect, it } from 'vitest';
import { Hub } from '#ingest/hub/hub.js';
import type { AudioConfig, MediaFrame, VideoConfig } from '#ingest/media/media-frame.js';
import { RtspPlayStreams } from '#ingest/servers/rtsp/rtsp-play-streams.js';
import { outgoingTracks, RtspPlayer } from '#ingest/servers/rtsp/rtsp-player.js';
import { syntheticFrames } from '#test/ingest/protocols/flv/synthetic-av.js';
import { sleep } from '#test/support/wait.js';

function setup() {
  const hub = new Hub({ gop: { maxBytes: 8 << 20, maxDurationMs: 10_000 }, reader: { maxQueueBytes: 8 << 20, maxBlockedMs: 10_000 }, waitForPublisherMs: 30_000 });
  const pub = hub.publish('live/s', { id: 'p', protocol: 'test', remoteAddress: 'x', kick: () => undefined });
  if (!pub.ok) throw new Error('busy');
  const frames = syntheticFrames();
  const configs = frames.filter((f): f is VideoConfig | AudioConfig => f.kind === 'video-config' || f.kind === 'audio-config');
  return { hub, publication: pub.publication, frames, specs: outgoingTracks(configs), streams: new RtspPlayStreams() };
}

/** An RTSP player over TCP (video on channels 0-1, audio on 2-3) whose writes are kept. */
function player(id: string, s: ReturnType<typeof setup>) {
  const writes: Buffer[][] = [];
  const p = new RtspPlayer(
    id,
    { writeTcp: (chunks) => (writes.push([...chunks]), true), tcpNeedsDrain: () => false, onFirstFrame: () => undefined, onEnd: () => undefined, onUnpublish: () => undefined },
    s.streams.acquire('live/s'),
  );
  s.specs.forEach((spec, i) => p.addTrack(spec, { kind: 'tcp', rtpChannel: 2 * i, rtcpChannel: 2 * i + 1 }));
  s.hub.subscribe('live/s', p);
  return { p, writes };
}

/** The RTP packets of one channel in what a player was written: [ssrc, sequence number]. */
function rtpOn(writes: Buffer[][], channel: number): [number, number][] {
  const all = Buffer.concat(writes.flat());
  const out: [number, number][] = [];
  for (let o = 0; o + 4 <= all.length; ) {
    expect(all[o]).toBe(0x24);
    const len = all.readUInt16BE(o + 2);
    if (all[o + 1] === channel) out.push([all.readUInt32BE(o + 4 + 8), all.readUInt16BE(o + 4 + 2)]);
    o += 4 + len;
  }
  return out;
}

describe('RtspPlayer (RTSP players of one stream share its RTP packets)', () => {
  it('writes the very same buffer to every player in step (packetized once per tick, not per player)', async () => {
    const s = setup();
    const keyframes = s.frames.flatMap((f, i) => (f.kind === 'video' && f.keyframe ? [i] : []));
    for (const f of s.frames.slice(0, keyframes[1])) s.publication.push(f);
    await sleep(5);
    const [a, b] = [player('a', s), player('b', s)];
    await sleep(20); // both catch up from the GOP cache (sender reports sent) and join the stream's batches
    const before = [a.writes.length, b.writes.length];
    s.publication.push(s.frames[keyframes[1]!] as MediaFrame);
    await sleep(5);
    const [wa, wb] = [a.writes.slice(before[0]), b.writes.slice(before[1])];
    expect(wa).toHaveLength(1);
    expect(wa[0]).toHaveLength(1);
    expect(wa[0]![0]).toBe(wb[0]![0]);
  });

  it('a later player gets the same SSRC and sequence numbers as the first, rising along its packets, and RTP-Info names its first one', async () => {
    const s = setup();
    const keyframes = s.frames.flatMap((f, i) => (f.kind === 'video' && f.keyframe ? [i] : []));
    for (const f of s.frames.slice(0, keyframes[1]! + 3)) s.publication.push(f);
    await sleep(5);
    const first = player('first', s);
    await sleep(5);
    for (const f of s.frames.slice(keyframes[1]! + 3, keyframes[2]! + 2)) s.publication.push(f);
    await sleep(5);
    const later = player('later', s);
    await sleep(5);
    for (const f of s.frames.slice(keyframes[2]! + 2, keyframes[3])) s.publication.push(f);
    await sleep(20);
    const [v1, v2] = [rtpOn(first.writes, 0), rtpOn(later.writes, 0)];
    expect(v2.length).toBeGreaterThan(10);
    expect(new Set([...v1, ...v2].map(([ssrc]) => ssrc)).size).toBe(1);
    for (const v of [v1, v2]) for (let i = 1; i < v.length; i++) expect(v[i]![1]).toBe((v[i - 1]![1] + 1) & 0xffff);
    const seqs1 = v1.map(([, seq]) => seq);
    // the later player starts at the GOP's keyframe: a run of the first player's packets
    expect(seqs1.slice(seqs1.indexOf(v2[0]![1]), seqs1.indexOf(v2[0]![1]) + v2.length)).toEqual(v2.map(([, seq]) => seq));
    expect(later.p.trackStates().find((t) => t.index === s.specs[0]!.index)!.seq).toBe(v2[0]![1]);
  });
});
