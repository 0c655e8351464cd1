/** The stable error codes of RTMPT (RTMP tunnelled over HTTP): a code outside this list is a compile error. */
export type RtmptErrorCode =
  | 'RTMPT_BAD_PATH'
  | 'RTMPT_BAD_SEQUENCE'
  | 'RTMPT_METHOD_NOT_ALLOWED'
  | 'RTMPT_NOT_FOUND'
  | 'RTMPT_OUTPUT_OVERFLOW'
  | 'RTMPT_TOO_MANY_FROM_ADDRESS'
  | 'RTMPT_TOO_MANY_SESSIONS'
  | 'RTMPT_UNKNOWN_SESSION';
