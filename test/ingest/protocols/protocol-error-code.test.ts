import { describe, expect, it } from 'vitest';
import { checkLimit, ProtocolError, type ProtocolErrorCode } from '#ingest/protocols/protocol-error.js';
import type { RtmpErrorCode } from '#ingest/protocols/rtmp/rtmp-error-code.js';
import type { RtspErrorCode } from '#ingest/protocols/rtsp/rtsp-error-code.js';
import { RtspRequestError } from '#ingest/protocols/rtsp/rtsp-request-error.js';

describe('typed protocol error codes', () => {
  it('a misspelt code does not compile (npm test runs tsc over this file)', () => {
    // @ts-expect-error 'CHUNCK' is not an RTMP code
    const rtmp: RtmpErrorCode = 'RTMP_BAD_CHUNCK_SIZE';
    // @ts-expect-error an RTSP code under another protocol's prefix
    const rtsp: RtspErrorCode = 'RTMP_BAD_URI';
    // @ts-expect-error ProtocolError takes only known codes
    const thrown = new ProtocolError('RTMP_MESAGE_TOO_LONG', 'x');
    // @ts-expect-error so does checkLimit
    expect(() => checkLimit('FLV_TAG_TO_LARGE', 'tag', 2, 1)).toThrow(ProtocolError);
    // @ts-expect-error and an RTSP refusal
    const refused = new RtspRequestError(404, 'RTSP_STREAM_NOT_FOUN', 'x');
    expect([rtmp, rtsp, thrown.code, refused.code]).toHaveLength(4);
  });

  it('known codes of each protocol compile and are kept as given', () => {
    const codes: ProtocolErrorCode[] = [
      'RTMP_MESSAGE_TOO_LONG',
      'RTMPT_BAD_SEQUENCE',
      'AMF_TOO_DEEP',
      'RTSP_METHOD_NOT_VALID_IN_STATE',
      'RTSP_AUTH_BAD_CREDENTIALS',
      'TS_BAD_PACKET',
    ];
    for (const code of codes) expect(new ProtocolError(code, 'm').code).toBe(code);
    expect(new RtspRequestError(401, 'RTSP_AUTH_NO_CREDENTIALS', 'authentication required').code).toBe('RTSP_AUTH_NO_CREDENTIALS');
  });
});
