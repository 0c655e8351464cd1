import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AudioConfig, VideoConfig } from '#ingest/media/media-frame.js';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { formatSdp, mediaFmtp, mediaRtpmap, parseSdp, type SessionDescription } from '#ingest/protocols/sdp/sdp.js';
import { sdpFromTracks, trackFromSdpMedia } from '#ingest/protocols/sdp/sdp-tracks.js';
import { seededRandom } from '#test/support/feeding.js';
import { expectCode } from '#test/support/expect-code.js';
import { itRoundTrips } from '#test/support/it-round-trips.js';

const fixture = (dir: string, name: string): Buffer => readFileSync(new URL(`../../../fixtures/${dir}/${name}`, import.meta.url));

const cases: { name: string; text: string; decoded: SessionDescription }[] = [
  {
    name: 'one H.264 track with control',
    text: 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=tool:x\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\na=recvonly\r\n',
    decoded: {
      version: 0,
      origin: '- 0 0 IN IP4 127.0.0.1',
      sessionName: 'test',
      connection: 'IN IP4 127.0.0.1',
      timing: '0 0',
      attributes: [['tool', 'x']],
      media: [{ type: 'video', port: 0, protocol: 'RTP/AVP', formats: ['96'], attributes: [['rtpmap', '96 H264/90000'], ['control', 'trackID=0'], ['recvonly', undefined]] }],
    },
  },
];

describe('SDP', () => {
  itRoundTrips(cases, 'text', parseSdp, formatSdp, { decode: (name) => `parses ${name}`, encode: (name) => `formats ${name}` });

  it('reads the session name ffmpeg sets with -metadata title and both tracks', () => {
    const sdp = parseSdp(fixture('rtsp', 'h264-aac.sdp').toString());
    expect(sdp.sessionName).toBe('test');
    expect(sdp.media.map((m) => m.type)).toEqual(['video', 'audio']);
    expect(mediaRtpmap(sdp.media[1], '97')).toEqual({ encoding: 'MPEG4-GENERIC', clockRate: 44100, channels: 1 });
    expect(mediaFmtp(sdp.media[1], '97')).toMatchObject({ mode: 'AAC-hbr', sizelength: '13', config: '120856E500' });
    const video = trackFromSdpMedia(sdp.media[0]);
    expect(video).toMatchObject({ codec: 'h264', payloadType: 96, clockRate: 90000, config: { codec: 'h264', width: 160, height: 120 } });
    expect(trackFromSdpMedia(sdp.media[1])).toMatchObject({ codec: 'aac', payloadType: 97, clockRate: 44100, config: { codec: 'aac', sampleRate: 44100, channels: 1 } });
  });

  it('reads H.265 and Opus tracks from ffmpeg SDP', () => {
    const h265 = parseSdp(fixture('rtsp', 'h265.sdp').toString());
    expect(trackFromSdpMedia(h265.media[0])).toMatchObject({ codec: 'h265', config: { codec: 'h265', width: 160, height: 120 } });
    const opus = parseSdp(fixture('rtsp', 'opus.sdp').toString());
    expect(trackFromSdpMedia(opus.media[0])).toMatchObject({ codec: 'opus', clockRate: 48000, config: { codec: 'opus', sampleRate: 48000, channels: 2 } });
  });

  for (const name of ['h264-aac.ts', 'h265-aac.ts']) {
    it(`generates SDP from the configs demuxed from ${name} that parses back to the same configs`, () => {
      const d = new TsDemuxer();
      const configs = [...d.push(new Uint8Array(fixture('ts', name))), ...d.end()].flatMap((e) =>
        e.type === 'frame' && (e.frame.kind === 'video-config' || e.frame.kind === 'audio-config') ? [e.frame] : [],
      ) as (VideoConfig | AudioConfig)[];
      const text = formatSdp(sdpFromTracks(configs, { sessionName: 'live/abc', address: '10.0.0.1' }));
      expect(text).toContain('s=live/abc\r\n');
      const parsed = parseSdp(text);
      const tracks = parsed.media.map(trackFromSdpMedia);
      expect(tracks.map((t) => t?.control)).toEqual(['trackID=0', 'trackID=1']);
      expect(tracks.map((t) => t?.config)).toEqual(configs);
    });
  }

  it('writes AAC as mpeg4-generic AAC-hbr with 13/3/3 and the config in hex, Opus as opus/48000/2', () => {
    const text = formatSdp(
      sdpFromTracks(
        [
          { kind: 'audio-config', codec: 'aac', record: Uint8Array.of(0x12, 0x10), sampleRate: 44100, channels: 2 },
          { kind: 'audio-config', codec: 'opus', record: new Uint8Array(0), sampleRate: 48000, channels: 2 },
        ],
        { sessionName: 's' },
      ),
    );
    expect(text).toContain('a=rtpmap:96 MPEG4-GENERIC/44100/2\r\na=fmtp:96 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210\r\n');
    expect(text).toContain('a=rtpmap:97 opus/48000/2\r\n');
  });

  it('refuses malformed SDP with coded errors', () => {
    expectCode(() => parseSdp('v=0\r\nhello\r\n'), 'SDP_BAD_LINE');
    expectCode(() => parseSdp('s=x\r\n'), 'SDP_MISSING_FIELD');
    expectCode(() => parseSdp('v=0\r\nm=video x RTP/AVP 96\r\n'), 'SDP_BAD_MEDIA');
    expectCode(() => parseSdp('v=0\r\n' + 'a=x\r\n'.repeat(600)), 'SDP_TOO_LARGE');
    expectCode(() => parseSdp('v=0\r\n' + 'm=audio 0 RTP/AVP 0\r\n'.repeat(17)), 'SDP_TOO_LARGE');
  });

  it('only ever raises ProtocolError on mutated SDP', () => {
    const rand = seededRandom(5);
    const inputs = ['h264-aac.sdp', 'h265.sdp', 'opus.sdp'].map((n) => fixture('rtsp', n).toString());
    for (const input of inputs) {
      for (let i = 0; i < 300; i++) {
        const chars = [...input];
        for (let k = 0; k < 4; k++) chars[Math.floor(rand() * chars.length)] = String.fromCharCode(32 + Math.floor(rand() * 95));
        try {
          parseSdp(chars.join('')).media.forEach(trackFromSdpMedia);
        } catch (err) {
          expect((err as Error).name).toBe('ProtocolError');
        }
      }
    }
  });
});
