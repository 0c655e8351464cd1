/** The stable error codes of RTMP (chunk stream, handshake, commands): a code outside this list is a compile error. */
export type RtmpErrorCode =
  | 'RTMP_BAD_AGGREGATE'
  | 'RTMP_BAD_CHUNK_SIZE'
  | 'RTMP_BAD_CHUNK_STREAM'
  | 'RTMP_BAD_COMMAND'
  | 'RTMP_BAD_CONTROL'
  | 'RTMP_CHUNK_SIZE_TOO_LARGE'
  | 'RTMP_HANDSHAKE_VERSION'
  | 'RTMP_HTTP_ON_RTMP_PORT'
  | 'RTMP_MESSAGE_TOO_LONG'
  | 'RTMP_NAME_TOO_LONG'
  | 'RTMP_OUT_OF_ORDER'
  | 'RTMP_TOO_MANY_CHUNK_STREAMS'
  | 'RTMP_TOO_MANY_PENDING'
  | 'RTMP_TOO_MANY_STREAMS'
  | 'RTMP_UNKNOWN_CHUNK_STREAM';
