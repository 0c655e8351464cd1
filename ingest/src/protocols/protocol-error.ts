import { StreamgateError } from '#domain/errors.js';
import type { AmfErrorCode } from './amf/amf-error-code.js';
import type { RtmpErrorCode } from './rtmp/rtmp-error-code.js';
import type { RtmptErrorCode } from './rtmpt/rtmpt-error-code.js';
import type { RtspErrorCode } from './rtsp/rtsp-error-code.js';

/**
 * Every code a refused input can carry: the per-protocol unions, then the codes of the protocols
 * and media parsers not split into their own union yet. A code outside it is a compile error.
 */
export type ProtocolErrorCode = RtmpErrorCode | RtmptErrorCode | AmfErrorCode | RtspErrorCode | OtherProtocolErrorCode;

/** The codes of the other protocols (FLV, MPEG-TS, SRT, HTTP, RTP, SDP, admin) and media parsers. */
export type OtherProtocolErrorCode =
  | 'AAC_BAD_CONFIG'
  | 'ADMIN_BAD_ARGUMENT'
  | 'ADMIN_BAD_ENCODING'
  | 'ADMIN_BAD_JSON'
  | 'ADMIN_BAD_REQUEST'
  | 'ADMIN_LINE_TOO_LONG'
  | 'ADMIN_UNKNOWN_COMMAND'
  | 'ADTS_BAD_HEADER'
  | 'ADTS_FRAME_TOO_LARGE'
  | 'AVCC_BAD_LENGTH'
  | 'AVC_BAD_CONFIG'
  | 'BITSTREAM_BAD_EXP_GOLOMB'
  | 'BITSTREAM_TRUNCATED'
  | 'FLV_BAD_AUDIO'
  | 'FLV_BAD_DATA'
  | 'FLV_BAD_HEADER'
  | 'FLV_BAD_TAG_TYPE'
  | 'FLV_BAD_VIDEO'
  | 'FLV_ENCRYPTED'
  | 'FLV_FRAME_TOO_LARGE'
  | 'FLV_TAG_TOO_LARGE'
  | 'FLV_UNENCODABLE'
  | 'H264_BAD_SPS'
  | 'H265_BAD_SPS'
  | 'HEVC_BAD_CONFIG'
  | 'HTTP_BAD_CHUNK'
  | 'HTTP_BAD_CONTENT_LENGTH'
  | 'HTTP_BAD_HEADER'
  | 'HTTP_BAD_HOST'
  | 'HTTP_BAD_REQUEST_LINE'
  | 'HTTP_BAD_STREAM_NAME'
  | 'HTTP_BODY_TOO_LARGE'
  | 'HTTP_HEADERS_TOO_LONG'
  | 'HTTP_LOGIN_METHOD_NOT_ALLOWED'
  | 'HTTP_METHOD_NOT_ALLOWED'
  | 'HTTP_NOT_FOUND'
  | 'HTTP_PATH_TRAVERSAL'
  | 'HTTP_TOO_MANY_HEADERS'
  | 'HTTP_UNSUPPORTED_TRANSFER_ENCODING'
  | 'HTTP_URI_TOO_LONG'
  | 'HTTP_VERSION_NOT_SUPPORTED'
  | 'LATM_BAD_CONFIG'
  | 'LATM_UNSUPPORTED'
  | 'OPUS_BAD_CONFIG'
  | 'OPUS_BAD_PACKET'
  | 'PENDING_BYTES_BUDGET_EXHAUSTED'
  | 'PENDING_BYTES_LIMIT'
  | 'RAW_BAD_STREAM_NAME'
  | 'RTCP_BAD_PACKET'
  | 'RTP_BAD_PADDING'
  | 'RTP_BAD_PAYLOAD'
  | 'RTP_BAD_VERSION'
  | 'RTP_FRAME_TOO_LARGE'
  | 'RTP_PACKET_TOO_LARGE'
  | 'RTP_PORTS_EXHAUSTED'
  | 'RTP_TRUNCATED'
  | 'RTP_UNSUPPORTED_CODEC'
  | 'SDP_BAD_FMTP'
  | 'SDP_BAD_LINE'
  | 'SDP_BAD_MEDIA'
  | 'SDP_MISSING_FIELD'
  | 'SDP_TOO_LARGE'
  | 'SRT_BAD_ACK'
  | 'SRT_BAD_DROPREQ'
  | 'SRT_BAD_HANDSHAKE'
  | 'SRT_BAD_KEY_MATERIAL'
  | 'SRT_BAD_LOSS_LIST'
  | 'SRT_BAD_MODE'
  | 'SRT_BAD_SECRET'
  | 'SRT_BAD_STREAM_ID'
  | 'SRT_HANDSHAKE_VERSION'
  | 'SRT_KEY_DERIVATION_THROTTLED'
  | 'SRT_LIMIT_EXCEEDED'
  | 'SRT_NO_KEY'
  | 'SRT_REJECTED'
  | 'SRT_SHORT_PACKET'
  | 'TS_BAD_CRC'
  | 'TS_BAD_PACKET'
  | 'TS_BAD_PES'
  | 'TS_BAD_SECTION'
  | 'TS_PENDING_TOO_LARGE'
  | 'TS_PES_TOO_LARGE'
  | 'TS_SECTION_TOO_LARGE'
  | 'TS_SYNC_NOT_FOUND'
  | 'TS_UNSUPPORTED_CODEC';

/**
 * A peer sent bytes we refuse. `code` is stable (tests and logs key on it); the message is for
 * humans and states the offending number and the limit where there is one.
 */
export class ProtocolError extends StreamgateError<ProtocolErrorCode> {
  override readonly name = 'ProtocolError';
}

/** Throws a ProtocolError `code` when `value > limit`, naming both numbers. */
export function checkLimit(code: ProtocolErrorCode, what: string, value: number, limit: number): void {
  if (value > limit) throw new ProtocolError(code, `${what} too large: ${value} > limit ${limit}`);
}
