import { describe, expect, it } from 'vitest';
import { Hub } from '#ingest/hub/hub.js';
import type { AudioConfig, AudioFrame, MediaFrame, VideoConfig, VideoFrame } from '#ingest/media/media-frame.js';
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
    { writeTcp: (chunks) => (writes.push([...chunks]), true), tcpNeedsDrain: () => false, onFirstFrame: () => undefined, onEnd: () => undefined, onUnpublish: () => undefined, resumeReading: () => undefined },
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

  it("holds a played frame's RTP once: its packets are views of the `$` frames on the usual channel, and another channel gets the same packets", () => {
    const s = setup();
    const stream = s.streams.acquire('live/s');
    const spec = s.specs[0]!;
    const key = stream.frameKey(spec);
    for (const f of s.frames) if (f.kind === 'video-config') stream.configure(f, spec, key);
    const frame = s.frames.find((f): f is VideoFrame => f.kind === 'video' && f.keyframe)!;
    const rtp = stream.packets(frame, spec, key);
    const usual = stream.interleaved(frame, spec, key, spec.index * 2);
    expect(rtp.packets.length).toBeGreaterThan(1);
    for (const p of rtp.packets) expect(p.buffer).toBe(usual.buffer);
    const other = stream.interleaved(frame, spec, key, 7);
    expect(other.buffer).not.toBe(usual.buffer);
    const framed = (channel: number) => Buffer.concat(rtp.packets.map((p) => Buffer.concat([Buffer.from([0x24, channel, p.length >> 8, p.length & 0xff]), p])));
    expect(usual).toEqual(framed(spec.index * 2));
    expect(other).toEqual(framed(7));
  });

  describe('PLAY after PAUSE on the shared RTP stream (driven by hand as the hub does: no sockets, no timers)', () => {
    let clock = 1_000_000;

    /** A TCP player fed by hand; keeps only the [channel, sequence number] of each RTP packet it was written. */
    function handPlayer(id: string, stream: ReturnType<RtspPlayStreams['acquire']>, specs: ReturnType<typeof outgoingTracks>) {
      const seqs = new Map<number, number[]>();
      const p = new RtspPlayer(
        id,
        {
          writeTcp: (chunks) => {
            const all = Buffer.concat(chunks as Buffer[]);
            for (let o = 0; o + 4 <= all.length; ) {
              const len = all.readUInt16BE(o + 2);
              const channel = all[o + 1]!;
              // RTCP (odd channels) carries no sequence number of its own.
              if (channel % 2 === 0) (seqs.get(channel) ?? seqs.set(channel, []).get(channel)!).push(all.readUInt16BE(o + 4 + 2));
              o += 4 + len;
            }
            return true;
          },
          tcpNeedsDrain: () => false,
          onFirstFrame: () => undefined,
          onEnd: () => undefined,
          onUnpublish: () => undefined,
          resumeReading: () => undefined,
        },
        stream,
        () => clock,
      );
      specs.forEach((spec, i) => p.addTrack(spec, { kind: 'tcp', rtpChannel: 2 * i, rtcpChannel: 2 * i + 1 }));
      return { p, seqs };
    }

    it("keeps no view of a frame's bytes (a publisher's slab may be reused at once): PLAY after PAUSE skips what was sent without reading the frames again", () => {
      const frames = syntheticFrames();
      const configs = frames.filter((f): f is VideoConfig | AudioConfig => f.kind === 'video-config' || f.kind === 'audio-config');
      const specs = outgoingTracks(configs);
      const stream = new RtspPlayStreams().acquire('live/s');
      const b = handPlayer('b', stream, specs);
      expect(b.p.keepsNoFrameViews).toBe(true);
      const keyframes = frames.flatMap((f, i) => (f.kind === 'video' && f.keyframe ? [i] : []));
      const gop = frames.slice(0, keyframes[1]).map((f) => (f.kind === 'video' || f.kind === 'audio' ? { ...f, data: Uint8Array.from(f.data) } : f));
      b.p.write(gop, false);
      const sent = b.seqs.get(0)!.length;
      expect(sent).toBeGreaterThan(10);
      // A reused slab: every byte the player was given now reads as something else.
      for (const f of gop) if (f.kind === 'video' || f.kind === 'audio') f.data.fill(0xee);
      b.p.prepareResume();
      b.p.write(gop, false);
      expect(b.seqs.get(0)!.length).toBe(sent);
    });

    it('a resumed player keeps every track past 32768 packets (16-bit wrap of its skip mark): in a catch-up batch and when a sender report falls due', () => {
      const frames = syntheticFrames();
      const configs = frames.filter((f): f is VideoConfig | AudioConfig => f.kind === 'video-config' || f.kind === 'audio-config');
      const specs = outgoingTracks(configs);
      expect(specs.map((t) => t.kind)).toEqual(['video', 'audio']);
      const streams = new RtspPlayStreams();
      const stream = streams.acquire('live/s');
      // A and B play the same tracks on the same channels: one shape, so B takes the bytes A's tick built.
      const [a, b] = [handPlayer('a', stream, specs), handPlayer('b', stream, specs)];
      const audio = frames.find((f): f is AudioFrame => f.kind === 'audio')!;
      // One video frame of about 70 KB: 51 FU-A packets, so 32768 packets pass in ~650 frames.
      const nal = new Uint8Array(4 + 70_000);
      new DataView(nal.buffer).setUint32(0, 70_000);
      nal[4] = 0x41;
      let ms = 0;
      const tick = (): MediaFrame[] => {
        ms += 40;
        const v: VideoFrame = { kind: 'video', codec: 'h264', dts: ms, pts: ms, keyframe: false, data: nal };
        return [v, { ...audio, dts: ms }];
      };
      const live = (batch: MediaFrame[]): void => {
        // The hub's shared batch of a tick, to each caught-up reader in turn.
        a.p.write(batch, true);
        b.p.write(batch, true);
      };
      const keyframe: VideoFrame = { kind: 'video', codec: 'h264', dts: 0, pts: 0, keyframe: true, data: nal };
      const gop: MediaFrame[] = [...configs, keyframe];
      // First PLAY: both catch up from the GOP cache (their own batches: sender reports go out), then live.
      a.p.write(gop, false);
      b.p.write(gop, false);
      for (let i = 0; i < 5; i++) {
        const batch = tick();
        gop.push(...batch);
        live(batch);
      }
      // PAUSE, then PLAY at once: B's new subscription replays the GOP it already has (all skipped).
      b.p.prepareResume();
      b.p.write(gop, false);
      const videoBefore = b.seqs.get(0)!.length;
      // Live again, in step with A, for more than half the 16-bit sequence space.
      while (b.seqs.get(0)!.length - videoBefore < 33_000) live(tick());
      /** One tick; B's packets of it on each track must be all of the tick's (as many as A got). */
      const expectWholeTick = (write: (batch: MediaFrame[]) => void): void => {
        const [videoMark, audioMark, aMark] = [b.seqs.get(0)!.length, b.seqs.get(2)!.length, a.seqs.get(0)!.length];
        write(tick());
        expect(b.seqs.get(0)!.length - videoMark).toBe(a.seqs.get(0)!.length - aMark);
        expect(b.seqs.get(0)!.length - videoMark).toBeGreaterThan(40);
        expect(b.seqs.get(2)!.length - audioMark).toBe(1);
      };
      // B falls behind for a tick and catches up from its own queue: its own encoding, not the shared bytes.
      expectWholeTick((batch) => {
        a.p.write(batch, true);
        b.p.write(batch, false);
      });
      // A sender report falls due: again B's own encoding.
      clock += 6000;
      expectWholeTick(live);
      // B's sequence numbers rise by one along the whole run on both tracks, the pause included.
      for (const channel of [0, 2]) {
        const seq = b.seqs.get(channel)!;
        for (let i = 1; i < seq.length; i++) if (seq[i] !== ((seq[i - 1]! + 1) & 0xffff)) expect([channel, i, seq[i - 1], seq[i]]).toBe('one more');
      }
      expect(b.seqs.get(0)!).toEqual(a.seqs.get(0)!);
    });
  });
});
