/**
 * Every length a peer can make us allocate is bounded here, by name. Protocol codecs import the
 * constant (or take an override in their options) and raise a coded ProtocolError naming both the
 * offending value and the limit.
 */
export const LIMITS = {
  // RTMP
  rtmpMaxChunkSize: 16 * 1024 * 1024, // what a peer may announce with Set Chunk Size (spec max 2^31-1)
  rtmpMaxMessageLength: 8 * 1024 * 1024, // one message (the 24-bit length field allows 16 MiB)
  rtmpMaxChunkStreams: 64, // concurrently open chunk streams per connection
  rtmpMaxMessageStreams: 16, // createStream calls per connection
  rtmpMaxAggregateDepth: 1, // aggregate messages may not nest
  amfMaxDepth: 32, // nesting of objects/arrays
  amfMaxStringLength: 64 * 1024, // one AMF string (long strings included)
  amfMaxArrayLength: 64 * 1024, // elements/keys in one array or object
  streamNameMaxLength: 256, // app and stream names, after query stripping
  // FLV over TCP
  flvMaxTagSize: 8 * 1024 * 1024,
  flvMaxHeaderSize: 1024, // FLV header DataOffset (9 in every real file)
  // MPEG-TS
  tsMaxPesSize: 8 * 1024 * 1024,
  tsMaxSyncSearchBytes: 4 * 1024, // bytes scanned to detect packet size before giving up
  // RTSP / HTTP
  rtspMaxHeaderLineLength: 8 * 1024,
  rtspMaxHeaderCount: 64,
  rtspMaxBodySize: 64 * 1024,
  rtspMaxHeadBytes: 16 * 1024, // start line + all header lines of one message
  sdpMaxLines: 512,
  sdpMaxMedia: 16, // m= sections
  rtpMaxAccessUnitSize: 8 * 1024 * 1024, // one video frame reassembled from FU/STAP packets
  rtpMaxPacketSize: 64 * 1024,
  rtpReorderPackets: 64,
  httpMaxHeaderBytes: 16 * 1024,
  httpMaxBodySize: 1024 * 1024,
  adminMaxLineLength: 64 * 1024,
  // HTTP on 8080 (request head parser)
  httpMaxUriLength: 8 * 1024, // request-target; longer → 414
  httpMaxHeaderCount: 100, // header fields (and trailer fields) per request; more → 431
  httpMaxChunkLineLength: 1024, // one chunk-size line including extensions
  // RTMPT tunnel
  rtmptMaxSessions: 1024, // open tunnel sessions per listener
  rtmptMaxPendingOutput: 4 * 1024 * 1024, // server→client bytes waiting for the next poll
  rtmptMaxReplyBytes: 256 * 1024, // bytes returned by one /idle or /send reply (rest waits)
  // HLS (in memory, per stream)
  hlsMaxSegments: 6, // segments kept per stream
  hlsMaxStreamBytes: 64 * 1024 * 1024, // bytes of segments kept per stream
  hlsMaxSegmentBytes: 32 * 1024 * 1024, // one segment; a keyframe-less stream is cut here
  // Partially received data (every message, frame, body or tag not complete yet), per connection
  connectionMaxPendingBytes: 24 * 1024 * 1024, // an authorized publisher: a few 8 MiB frames at once
  unauthorizedMaxPendingBytes: 128 * 1024, // before connect/publish/play is allowed: commands only, no media
  unauthorizedMaxMessageLength: 64 * 1024, // one RTMP message before the connection is authorized
  // SRT (UDP)
  srtMaxHandshakeExtensions: 16, // extension blocks in one conclusion (libsrt sends at most 4)
  srtMaxStreamIdLength: 512, // stream id bytes (libsrt's own maximum)
  srtMaxLossRanges: 512, // loss ranges read from one NAK (a datagram holds at most ~370)
  srtMaxWindowPackets: 8192, // packets one peer may have us hold (receive window, send buffer)
  srtMaxPendingHandshakes: 256, // conclusions awaiting the auth answer, all peers
  srtMaxPendingPerAddress: 8, // the same, from one IP address
  srtMaxBufferedBytes: 256 * 1024 * 1024, // payload bytes held for all SRT peers together
} as const;

export type LimitName = keyof typeof LIMITS;
