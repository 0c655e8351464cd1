import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MediaFrame, VideoFrame } from '#ingest/media/media-frame.js';
import { parseAvcDecoderConfig } from '#ingest/media/avc-decoder-config.js';
import { splitAvcc } from '#ingest/media/annexb.js';
import { TsDemuxer, type TsDemuxEvent } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { opusPacketDuration, splitOpusTs } from '#ingest/media/opus-packet.js';
import { detectTsPacketSize } from '#ingest/protocols/mpegts/ts-packet-size.js';
import { encodePat, encodePmt } from '#ingest/protocols/mpegts/psi-tables.js';
import { feedings, hex, ONE_RANDOM_SPLIT } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../fixtures/ts/${name}`, import.meta.url)));

function demux(chunks: Uint8Array[], d = new TsDemuxer()): TsDemuxEvent[] {
  return [...chunks.flatMap((c) => d.push(c)), ...d.end()];
}

const frames = (events: TsDemuxEvent[]): MediaFrame[] => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
const count = (events: TsDemuxEvent[], kind: string): number => frames(events).filter((f) => f.kind === kind).length;

/** One section in one packet on `pid`. */
function sectionPacket(pid: number, section: Uint8Array, cc = 0): Uint8Array {
  const p = new Uint8Array(188).fill(0xff);
  p.set([0x47, 0x40 | (pid >> 8), pid & 0xff, 0x10 | cc, 0]);
  p.set(section, 5);
  return p;
}

/** A PES start packet carrying `payload` (padded with adaptation-field stuffing). */
function pesPacket(pid: number, pes: Uint8Array, cc: number, pusi = true): Uint8Array {
  const p = new Uint8Array(188);
  const stuffing = 184 - pes.length;
  p.set([0x47, (pusi ? 0x40 : 0) | (pid >> 8), pid & 0xff, (stuffing > 0 ? 0x30 : 0x10) | cc]);
  if (stuffing > 0) {
    p[4] = stuffing - 1;
    if (stuffing > 1) p.fill(0xff, 6, 4 + stuffing).set([0], 5);
  }
  p.set(pes, 4 + Math.max(0, stuffing));
  return p;
}

const pat = sectionPacket(0, encodePat({ transportStreamId: 1, programs: [{ programNumber: 1, pmtPid: 0x1000 }] }));
const pmt = sectionPacket(0x1000, encodePmt({ programNumber: 1, pcrPid: 0x101, streams: [{ streamType: 0x0f, pid: 0x101, descriptors: new Uint8Array(0) }] }));
const aacPes = hex(`000001 c0 0019      # audio stream 0, PES_packet_length 25
                    80 80 05 2100010001 # '10' flags, PTS only, 5 header bytes: PTS 0 with its marker bits
                    fff1 5040 023f fc 00000000000000000000   # one ADTS frame, 10-byte payload`);

describe('TsDemuxer', () => {
  it('detects 188, 192, 204 and 208-byte packets', () => {
    const packets = [pat, pmt, pat, pmt];
    for (const size of [188, 192, 204, 208]) {
      const bytes = new Uint8Array(size * 4 + 3);
      packets.forEach((p, i) => bytes.set(p, 3 + i * size + (size === 192 ? 4 : 0)));
      expect(detectTsPacketSize(bytes, 4096)).toEqual({ offset: size === 192 ? 7 : 3, size });
    }
  });

  it('gives up on non-TS bytes with TS_SYNC_NOT_FOUND once the search limit is passed', () => {
    const junk = new TextEncoder().encode('POST /x HTTP/1.1\r\n'.repeat(400));
    const err = expectCode(() => new TsDemuxer().push(junk), 'TS_SYNC_NOT_FOUND');
    expect(err.message).toContain('unable to detect the ts chunk size');
    const d = new TsDemuxer({ maxSyncSearchBytes: 100 });
    expect(d.push(junk.subarray(0, 50))).toEqual([]);
    expectCode(() => d.push(junk.subarray(50, 1200)), 'TS_SYNC_NOT_FOUND');
  });

  for (const way of feedings(fixture('h264-aac.ts'), ONE_RANDOM_SPLIT)) {
    it(`demuxes the ffmpeg H.264/AAC capture fed ${way.name}`, () => {
      const events = demux(way.parts);
      expect(events.find((e) => e.type === 'service')).toEqual({ type: 'service', serviceName: 'abc', providerName: 'FFmpeg' });
      expect(count(events, 'video')).toBe(10);
      expect(count(events, 'audio')).toBe(45);
      expect(count(events, 'video-config')).toBe(1);
      expect(count(events, 'audio-config')).toBe(1);
      const all = frames(events);
      // configs come before the first frame of their track
      expect(all.findIndex((f) => f.kind === 'video-config')).toBeLessThan(all.findIndex((f) => f.kind === 'video'));
      expect(all.findIndex((f) => f.kind === 'audio-config')).toBeLessThan(all.findIndex((f) => f.kind === 'audio'));
    });
  }

  it('turns access units into AVCC frames with keyframes every 10 frames and B-frame composition times', () => {
    const events = demux([fixture('h264-aac.ts')]);
    const video = frames(events).filter((f): f is VideoFrame => f.kind === 'video');
    expect(video.map((v) => v.keyframe)).toEqual([true, false, false, false, false, false, false, false, false, false]);
    expect(video.map((v) => v.dts)).toEqual([1400, 1500, 1600, 1700, 1800, 1900, 2000, 2100, 2200, 2300]);
    expect(video.some((v) => v.pts > v.dts)).toBe(true);
    for (const v of video) {
      const types = splitAvcc(v.data).map((n) => n[0] & 0x1f);
      expect(types).not.toContain(9); // AUD dropped
      expect(types).not.toContain(7); // SPS lives in the config
    }
    const config = frames(events).find((f) => f.kind === 'video-config');
    expect(config).toMatchObject({ codec: 'h264', width: 160, height: 120 });
    expect(parseAvcDecoderConfig(config!.kind === 'video-config' ? config!.record : new Uint8Array()).sps).toHaveLength(1);
  });

  it('interpolates AAC frame timestamps from the PES PTS (1024 samples at 44.1 kHz)', () => {
    const audio = frames(demux([fixture('h264-aac.ts')])).filter((f) => f.kind === 'audio');
    const dts = audio.map((a) => a.dts);
    for (let i = 1; i < dts.length; i++) expect(dts[i] - dts[i - 1]).toBeCloseTo(1024000 / 44100, 0);
    expect(frames(demux([fixture('h264-aac.ts')])).find((f) => f.kind === 'audio-config')).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 1, record: hex('1208') });
  });

  it('demuxes the ffmpeg H.265/AAC capture with an HEVC configuration', () => {
    const events = demux(feedings(fixture('h265-aac.ts'), ONE_RANDOM_SPLIT)[2].parts);
    expect(events.find((e) => e.type === 'service')).toMatchObject({ serviceName: 'hevc' });
    expect(count(events, 'video')).toBe(10);
    expect(count(events, 'audio')).toBe(45);
    expect(frames(events).find((f) => f.kind === 'video-config')).toMatchObject({ codec: 'h265', width: 160, height: 120 });
  });

  it('decodes an annotated single-frame audio program', () => {
    const events = demux([pat, pmt, pesPacket(0x101, aacPes, 0)]);
    expect(events).toEqual([
      { type: 'tracks', tracks: [{ pid: 0x101, streamType: 0x0f, codec: 'aac' }] },
      { type: 'frame', frame: { kind: 'audio-config', codec: 'aac', record: hex('1208'), sampleRate: 44100, channels: 1 } },
      { type: 'frame', frame: { kind: 'audio', codec: 'aac', dts: 0, data: new Uint8Array(10) } },
    ]);
  });

  it('unwraps PTS across the 33-bit wrap-around', () => {
    const pesAt = (pts: number): Uint8Array => {
      const b = aacPes.slice();
      const hi = Math.floor(pts / 2 ** 30);
      const mid = Math.floor(pts / 2 ** 15) & 0x7fff;
      const lo = pts % 2 ** 15;
      b.set([0x21 | (hi << 1), mid >> 7, ((mid & 0x7f) << 1) | 1, lo >> 7, ((lo & 0x7f) << 1) | 1], 9);
      return b;
    };
    const last = 2 ** 33 - 900;
    const events = demux([pat, pmt, pesPacket(0x101, pesAt(last), 0), pesPacket(0x101, pesAt(900), 1)]);
    const audio = frames(events).filter((f) => f.kind === 'audio');
    expect(audio[1].dts - audio[0].dts).toBe(20);
  });

  it('counts continuity errors and drops the damaged PES instead of failing', () => {
    const d = new TsDemuxer();
    const events = demux([pat, pmt, pesPacket(0x101, aacPes, 0), pesPacket(0x101, aacPes, 5), pesPacket(0x101, aacPes, 6)], d);
    expect(d.stats.continuityErrors).toBe(1);
    expect(count(events, 'audio')).toBe(3);
  });

  it('counts and ignores a PSI section with a bad CRC', () => {
    const bad = pmt.slice();
    bad[15] ^= 0xff; // inside the PMT body
    const d = new TsDemuxer();
    const events = demux([pat, bad, pesPacket(0x101, aacPes, 0)], d);
    expect(d.stats.crcErrors).toBe(1);
    expect(count(events, 'audio')).toBe(0);
  });

  it('refuses PES data held over all elementary streams past the limit, each PES under its own', () => {
    const d = new TsDemuxer({ maxPesSize: 1000, maxPendingBytes: 350 });
    const pids = [0x100, 0x101, 0x102];
    const video = sectionPacket(0x1000, encodePmt({ programNumber: 1, pcrPid: 0x100, streams: pids.map((pid) => ({ streamType: 0x1b, pid, descriptors: new Uint8Array(0) })) }));
    d.push(new Uint8Array([...pat, ...video]));
    // Each start carries 14 PES bytes, each continuation 184: 198 held on the first stream is fine,
    // the second stream's continuation brings the sum to 396.
    const started = pids.map((pid) => pesPacket(pid, hex('000001e0 0000 8080 05 2100010001'), 0));
    d.push(new Uint8Array([...started[0]!, ...pesPacket(0x100, new Uint8Array(184), 1, false)]));
    expectCode(() => d.push(new Uint8Array([...started[1]!, ...pesPacket(0x101, new Uint8Array(184), 1, false), ...started[2]!])), 'TS_PENDING_TOO_LARGE');
  });

  it('refuses a PES growing past the limit', () => {
    const d = new TsDemuxer({ maxPesSize: 300 });
    const video = sectionPacket(0x1000, encodePmt({ programNumber: 1, pcrPid: 0x100, streams: [{ streamType: 0x1b, pid: 0x100, descriptors: new Uint8Array(0) }] }));
    const start = pesPacket(0x100, hex('000001e0 0000 8080 05 2100010001'), 0);
    const more = pesPacket(0x100, new Uint8Array(184), 1, false);
    d.push(new Uint8Array([...pat, ...video, ...start]));
    expectCode(() => d.push(new Uint8Array([...more, ...pesPacket(0x100, new Uint8Array(184), 2, false), ...pat])), 'TS_PES_TOO_LARGE');
  });

  it('refuses a PES whose header length lies past the end of the PES', () => {
    const lying = aacPes.slice();
    lying[8] = 0xf0; // PES_header_data_length 240 in a 30-byte PES
    expectCode(() => demux([pat, pmt, pesPacket(0x101, lying, 0)]), 'TS_BAD_PES');
  });

  it('stops a PES at its PES_packet_length and ignores bytes after it', () => {
    // the packet carries 30 bytes of PES but the length field says 25: the 5 extra bytes are not ADTS
    const longer = new Uint8Array([...aacPes, 1, 2, 3, 4, 5]);
    expect(count(demux([pat, pmt, pesPacket(0x101, longer, 0)]), 'audio')).toBe(1);
  });

  it('finishes a PES whose PES_packet_length promises more than arrives at the next start', () => {
    const promising = aacPes.slice();
    promising[5] = 0xff; // 255 bytes announced, 25 present
    expect(count(demux([pat, pmt, pesPacket(0x101, promising, 0), pesPacket(0x101, aacPes, 1)]), 'audio')).toBe(2);
  });

  it('refuses a PES_packet_length too short for the PES header', () => {
    const short = aacPes.slice();
    short[5] = 2;
    expectCode(() => demux([pat, pmt, pesPacket(0x101, short, 0)]), 'TS_BAD_PES');
  });

  it('only ever raises ProtocolError on mutated streams', () => {
    const small = new Uint8Array([...pat, ...pmt, ...pesPacket(0x101, aacPes, 0), ...pesPacket(0x101, aacPes, 1)]);
    fuzz([small, fixture('h264-aac.ts').subarray(0, 188 * 12), fixture('opus.ts').subarray(0, 188 * 6)], (b) => {
      demux([b]);
    }, 200);
  });
});

describe('TsDemuxer with Opus', () => {
  it('demuxes the ffmpeg Opus capture: 51 packets, mono OpusHead, 20 ms apart', () => {
    const events = demux(feedings(fixture('opus.ts'), ONE_RANDOM_SPLIT)[2].parts);
    const all = frames(events);
    expect(all.find((f) => f.kind === 'audio-config')).toMatchObject({ codec: 'opus', sampleRate: 48000, channels: 1 });
    const audio = all.filter((f) => f.kind === 'audio');
    expect(audio).toHaveLength(51);
    expect(audio[1].dts - audio[0].dts).toBeCloseTo(20, 6);
  });

  it('splits annotated opus_control_headers with a run-length au_size and trims', () => {
    const payload = new Uint8Array([
      ...hex(`7fe0 02 fc01    # control header, no flags, au_size 2, packet
              7ff0 ff01 0000  # start_trim flag, au_size 255 + 1, start_trim 0`),
      ...new Uint8Array(256),
    ]);
    expect(splitOpusTs(payload)).toEqual([hex('fc01'), new Uint8Array(256)]);
    expectCode(() => splitOpusTs(hex('7fe0 09 fc')), 'OPUS_BAD_PACKET');
    expectCode(() => splitOpusTs(hex('1234')), 'OPUS_BAD_PACKET');
  });

  it('reads Opus packet durations from the TOC byte', () => {
    expect(opusPacketDuration(hex('fc'))).toBe(20); // CELT 20 ms, one frame
    expect(opusPacketDuration(hex('19'))).toBe(120); // SILK 60 ms, code 1: two frames
    expect(opusPacketDuration(hex('0b 03'))).toBe(60); // SILK 20 ms, code 3 with 3 frames
    expectCode(() => opusPacketDuration(hex('0b')), 'OPUS_BAD_PACKET');
  });

});

describe('TsDemuxer input buffers', () => {
  const bytesOf = (events: TsDemuxEvent[]): string[] =>
    frames(events).map((f) => `${f.kind} ${'dts' in f ? f.dts : ''} ${Buffer.from('data' in f ? f.data : 'record' in f ? f.record : new Uint8Array(0)).toString('hex')}`);
  const datagrams = (ts: Uint8Array): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let o = 0; o < ts.length; o += 1316) out.push(ts.slice(o, o + 1316));
    return out;
  };

  it('copies what it keeps by default: a reader that reuses its buffer for the next read gets the same frames', () => {
    const ts = fixture('h264-aac.ts');
    const d = new TsDemuxer();
    const reused = new Uint8Array(1316);
    const events: TsDemuxEvent[] = [];
    for (const part of datagrams(ts)) {
      reused.set(part);
      events.push(...d.push(reused.subarray(0, part.length)));
      reused.fill(0xff);
    }
    events.push(...d.end());
    expect(bytesOf(events)).toEqual(bytesOf(demux([ts])));
  });

  it('with ownsInput (each push a buffer of its own, as an SRT datagram) gives the same frames without copying per TS packet', () => {
    const ts = fixture('h264-aac.ts');
    const owned = demux(datagrams(ts), new TsDemuxer({ ownsInput: true }));
    expect(bytesOf(owned)).toEqual(bytesOf(demux([ts])));
    expect(count(owned, 'video')).toBeGreaterThan(0);
  });

});
