import { describe, expect, it } from 'vitest';
import { buildAvcDecoderConfig, parseAvcDecoderConfig, parseAvcPictureSize } from '#ingest/media/avc-decoder-config.js';
import { parseH264Sps } from '#ingest/media/h264-sps.js';
import { buildHevcDecoderConfig, parseH265Sps, parseHevcDecoderConfig } from '#ingest/media/h265.js';
import { hex } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

// From test/fixtures/rtsp/h264-aac.sdp (x264, High profile, 160x120)
const sps = Uint8Array.from(Buffer.from('Z2QACqzZQoR+XARAAAADAEAAAAUDxIllgA==', 'base64'));
const pps = Uint8Array.from(Buffer.from('aOvjyyLA', 'base64'));
// From test/fixtures/rtsp/h265.sdp (x265, Main profile, 160x120)
const vps265 = Uint8Array.from(Buffer.from('QAEMAf//AWAAAAMAkAAAAwAAAwAelZgJ', 'base64'));
const sps265 = Uint8Array.from(Buffer.from('QgEBAWAAAAMAkAAAAwAAAwAeoBQgeWWVmkkyvAWgIAAAAwAgAAADAUE=', 'base64'));
const pps265 = Uint8Array.from(Buffer.from('RAHBcrRiQA==', 'base64'));

describe('H.264 SPS and AVC configuration', () => {
  it('reads profile, level and cropped size of an x264 SPS', () => {
    expect(parseH264Sps(sps)).toEqual({ profileIdc: 100, constraintFlags: 0, levelIdc: 10, width: 160, height: 120, maxNumReorderFrames: 2 });
  });

  it('reads a Baseline 1280x720 SPS (x264 -profile:v baseline)', () => {
    expect(parseH264Sps(hex('67 42c01f d9005005bb011000000300100000030320f1832480'))).toMatchObject({ profileIdc: 66, width: 1280, height: 720, maxNumReorderFrames: 0 });
  });

  it('builds an AVCDecoderConfigurationRecord that parses back', () => {
    const record = buildAvcDecoderConfig([sps], [pps]);
    expect(record.subarray(0, 6)).toEqual(hex('01 64000a ff e1'));
    expect(parseAvcDecoderConfig(record)).toEqual({ profileIdc: 100, constraintFlags: 0, levelIdc: 10, lengthSize: 4, sps: [sps], pps: [pps] });
  });

  it('reads the picture size from the first SPS of a record, undefined for a malformed one', () => {
    const record = buildAvcDecoderConfig([sps], [pps]);
    expect(parseAvcPictureSize(record)).toEqual({ width: 160, height: 120 });
    expect(parseAvcPictureSize(record.subarray(0, 12))).toBeUndefined();
    expect(parseAvcPictureSize(hex('01 64000a ff e0 00'))).toBeUndefined();
    expect(parseAvcPictureSize(buildAvcDecoderConfig([hex('67 64000a')], [pps]))).toBeUndefined();
  });

  it('refuses a record whose parameter set length runs past the end', () => {
    expectCode(() => parseAvcDecoderConfig(hex('01 64000a ff e1 00ff 6764')), 'AVC_BAD_CONFIG');
  });

  it('only ever raises ProtocolError on mutated SPS and records', () => {
    fuzz([sps, buildAvcDecoderConfig([sps], [pps])], (b) => {
      if ((b[0] & 0x1f) === 7) parseH264Sps(b);
      else parseAvcDecoderConfig(b);
    });
  });
});

describe('H.265 SPS and HEVC configuration', () => {
  it('reads the size and profile of an x265 SPS', () => {
    expect(parseH265Sps(sps265)).toMatchObject({ profileIdc: 1, tierFlag: 0, levelIdc: 30, width: 160, height: 120, chromaFormatIdc: 1, bitDepthLuma: 8, maxNumReorderPics: 2 });
  });

  it('builds an HEVCDecoderConfigurationRecord that parses back', () => {
    const record = buildHevcDecoderConfig([vps265], [sps265], [pps265]);
    expect(record[0]).toBe(1);
    expect(record[1]).toBe(0x01); // general_profile_space 0, tier 0, Main
    expect(parseHevcDecoderConfig(record)).toEqual({ lengthSize: 4, vps: [vps265], sps: [sps265], pps: [pps265] });
  });

  it('only ever raises ProtocolError on mutated SPS and records', () => {
    fuzz([sps265, buildHevcDecoderConfig([vps265], [sps265], [pps265])], (b) => {
      if (b[0] === 1) parseHevcDecoderConfig(b);
      else parseH265Sps(b);
    });
  });
});
