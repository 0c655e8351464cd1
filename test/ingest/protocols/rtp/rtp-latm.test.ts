import { describe, expect, it } from 'vitest';
import { parseLatmStreamMuxConfig } from '#ingest/media/latm-stream-mux-config.js';
import type { AudioConfig } from '#ingest/media/media-frame.js';
import { LatmDepacketizer } from '#ingest/protocols/rtp/rtp-latm-depacketizer.js';
import type { RtpPacket } from '#ingest/protocols/rtp/rtp-packet.js';
import { parseSdp } from '#ingest/protocols/sdp/sdp.js';
import { readSdpTrack } from '#ingest/protocols/sdp/sdp-tracks.js';
import { expectCode } from '#test/support/expect-code.js';
import { seededRandom } from '#test/support/feeding.js';
import { expectOnlyProtocolErrors, mutate } from '#test/support/fuzz.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

// StreamMuxConfigs as encoders send them in `a=fmtp:… config=` (RFC 6416 §7.3)
const CONFIGS = [
  {
    name: 'GStreamer rtpmp4apay over avenc_aac, 44.1 kHz mono (AAC-LC + FFmpeg\'s sync extension 0x2b7, SBR absent)',
    // 0 1 000000 0000 000 | ASC 00010 0100 0001 000 | 0x2b7 00101 0 | frameLengthType 000 | fullness 0xff | 0 0
    bytes: '40 00 24 10 ad ca 00',
    decoded: { objectType: 2, sampleRate: 44100, channelConfig: 1, subFrames: 1, audioSpecificConfig: '1208' },
  },
  {
    name: 'FFmpeg rtp muxer (-latm 1; sdp.c latm_context2config), 48 kHz stereo AAC-LC',
    // 0 1 000000 0000 000 | ASC 00010 0011 0010 000 | frameLengthType 000 | fullness 0xff | 0 0
    bytes: '40 00 23 20 3f c0',
    decoded: { objectType: 2, sampleRate: 48000, channelConfig: 2, subFrames: 1, audioSpecificConfig: '1190' },
  },
];

describe('MP4A-LATM StreamMuxConfig', () => {
  it.each(CONFIGS)('$name', ({ bytes, decoded }) => {
    const c = parseLatmStreamMuxConfig(hex(bytes));
    expect({ ...c, audioSpecificConfig: Buffer.from(c.audioSpecificConfig).toString('hex') }).toEqual(decoded);
  });

  it('refuses shapes it does not read with LATM_UNSUPPORTED naming them, and truncated bits with LATM_BAD_CONFIG', () => {
    expect(expectCode(() => parseLatmStreamMuxConfig(hex('c0 00 24 10')), 'LATM_UNSUPPORTED').message).toMatch(/audioMuxVersion 1/);
    // audio object type 5 (SBR) as the first object type
    expect(expectCode(() => parseLatmStreamMuxConfig(hex('40 00 52 10 00 00')), 'LATM_UNSUPPORTED').message).toMatch(/object type 5/);
    expectCode(() => parseLatmStreamMuxConfig(hex('40 00')), 'LATM_BAD_CONFIG');
  });

  it('only ever raises ProtocolError on mutated configs', () => {
    const random = seededRandom(6416);
    for (const { bytes } of CONFIGS) for (let i = 0; i < 500; i++) {
      const m = mutate(hex(bytes), random);
      expectOnlyProtocolErrors(() => parseLatmStreamMuxConfig(m), m);
    }
  });
});

describe('MP4A-LATM in SDP', () => {
  const sdp = (fmtp: string): string =>
    `v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=audio 0 RTP/AVP 96\r\na=rtpmap:96 MP4A-LATM/44100\r\na=fmtp:96 ${fmtp}\r\na=control:stream=1\r\n`;

  it('GStreamer\'s track is AAC with the AudioSpecificConfig from the StreamMuxConfig', () => {
    const track = readSdpTrack(parseSdp(sdp('cpresent=0;config=40002410adca00')).media[0]);
    expect(track).toMatchObject({ codec: 'aac', packetization: 'latm', latmSubFrames: 1, clockRate: 44100, control: 'stream=1', config: { codec: 'aac', sampleRate: 44100, channels: 1 } });
  });

  it('in-band configuration (cpresent=1, the default) is refused with a reason the client sees', () => {
    expect(readSdpTrack(parseSdp(sdp('config=40002410adca00')).media[0])).toMatch(/^MP4A-LATM with in-band configuration \(cpresent=1\) is not supported/);
  });
});

const CONFIG: AudioConfig = { kind: 'audio-config', codec: 'aac', record: hex('1208'), sampleRate: 44100, channels: 1 };
const packet = (seq: number, timestamp: number, payload: Uint8Array, marker = true): RtpPacket => ({
  marker,
  payloadType: 96,
  sequenceNumber: seq,
  timestamp,
  ssrc: 1,
  csrcs: [],
  payload,
  padding: 0,
});

describe('LatmDepacketizer (RFC 6416 §6.1, cpresent=0)', () => {
  it('one audioMuxElement per packet: the config, then the frame after its PayloadLengthInfo', () => {
    const d = new LatmDepacketizer(CONFIG, 44100);
    expect(d.push(packet(1, 1000, hex('03 aa bb cc')))).toEqual([CONFIG, { kind: 'audio', codec: 'aac', dts: 0, data: hex('aa bb cc') }]);
    expect(d.push(packet(2, 2024, hex('01 dd')))).toEqual([{ kind: 'audio', codec: 'aac', dts: (1024 * 1000) / 44100, data: hex('dd') }]);
    expect(d.rtpBase).toBe(1000);
  });

  it('a length of 255 or more is a run of 255s and a last byte below 255', () => {
    const frame = new Uint8Array(300).fill(7);
    const out = new LatmDepacketizer(CONFIG, 44100).push(packet(1, 0, Uint8Array.from([255, 45, ...frame])));
    expect(out[1]).toMatchObject({ kind: 'audio', data: frame });
  });

  it('an element fragmented over packets of one timestamp is complete at the marker', () => {
    const d = new LatmDepacketizer(CONFIG, 44100);
    expect(d.push(packet(1, 0, hex('04 01 02'), false))).toEqual([]);
    expect(d.push(packet(2, 0, hex('03 04')))).toEqual([CONFIG, { kind: 'audio', codec: 'aac', dts: 0, data: hex('01 02 03 04') }]);
  });

  it('several elements in one packet are 1024 samples apart', () => {
    const out = new LatmDepacketizer(CONFIG, 44100).push(packet(1, 0, hex('01 aa 01 bb')));
    expect(out.map((f) => (f.kind === 'audio' ? f.dts : -1))).toEqual([-1, 0, (1024 * 1000) / 44100]);
  });

  it('a lost fragment drops its frame (counted) and the next frame is taken', () => {
    const d = new LatmDepacketizer(CONFIG, 44100);
    d.push(packet(1, 0, hex('04 01 02'), false));
    expect(d.push(packet(3, 1024, hex('01 ee')))).toEqual([CONFIG, { kind: 'audio', codec: 'aac', dts: 0, data: hex('ee') }]);
    expect(d.stats).toEqual({ lostPackets: 1, droppedFrames: 1 });
  });

  it('a length past the payload is RTP_BAD_PAYLOAD; gathering past the bound is RTP_BAD_PAYLOAD before keeping it', () => {
    expectCode(() => new LatmDepacketizer(CONFIG, 44100).push(packet(1, 0, hex('09 01'))), 'RTP_BAD_PAYLOAD');
    const d = new LatmDepacketizer(CONFIG, 44100);
    const big = new Uint8Array(1400).fill(255);
    expectCode(() => {
      for (let seq = 1; seq < 100; seq++) d.push(packet(seq, 0, big, false));
    }, 'RTP_BAD_PAYLOAD');
  });

  it('only ever raises ProtocolError on mutated payloads', () => {
    const random = seededRandom(6416);
    for (let i = 0; i < 1000; i++) {
      const d = new LatmDepacketizer(CONFIG, 44100);
      const m = mutate(hex('03 aa bb cc 02 dd ee'), random);
      expectOnlyProtocolErrors(() => d.push(packet(1, 0, m, random() < 0.8)), m);
    }
  });
});
