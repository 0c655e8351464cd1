/** One RTMP message, reassembled from (or to be cut into) chunks. */
export interface RtmpMessage {
  /** Chunk stream id it travels on (2 = protocol control, 3 = commands by convention). */
  readonly chunkStreamId: number;
  /** Absolute timestamp in ms, modulo 2^32. */
  readonly timestamp: number;
  readonly typeId: number;
  /** Message stream id (0 = the NetConnection). */
  readonly streamId: number;
  readonly payload: Uint8Array;
}

/** RTMP message type ids (RTMP spec §5.4, §7.1). */
export const MessageType = {
  setChunkSize: 1,
  abort: 2,
  acknowledgement: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf3: 15,
  sharedObjectAmf3: 16,
  commandAmf3: 17,
  dataAmf0: 18,
  sharedObjectAmf0: 19,
  commandAmf0: 20,
  aggregate: 22,
} as const;

/** User control event types (RTMP spec §7.1.7). */
export const UserControlEvent = {
  streamBegin: 0,
  streamEof: 1,
  streamDry: 2,
  setBufferLength: 3,
  streamIsRecorded: 4,
  pingRequest: 6,
  pingResponse: 7,
} as const;
