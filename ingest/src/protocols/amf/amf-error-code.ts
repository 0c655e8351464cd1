/** The stable error codes of AMF0/AMF3 decoding and encoding: a code outside this list is a compile error. */
export type AmfErrorCode =
  | 'AMF_ARRAY_TOO_LONG'
  | 'AMF_BAD_MARKER'
  | 'AMF_BAD_REFERENCE'
  | 'AMF_EXTERNALIZABLE'
  | 'AMF_STRING_TOO_LONG'
  | 'AMF_TOO_DEEP'
  | 'AMF_TRUNCATED'
  | 'AMF_UNENCODABLE'
  | 'AMF_UNSUPPORTED';
