import { type AmfLimits, DEFAULT_AMF_LIMITS } from '../amf/amf-limits.js';
import { decodeAmf0 } from '../amf/amf0-decoder.js';
import { encodeAmf0 } from '../amf/amf0-encoder.js';
import { ProtocolError } from '../protocol-error.js';
import { MessageType, type RtmpMessage } from './rtmp-message.js';

/** An RTMP command (NetConnection/NetStream call or response), RTMP spec §7.1.1 / §7.2. */
export interface RtmpCommand {
  readonly name: string;
  readonly transactionId: number;
  /** The command object (null for most NetStream commands). */
  readonly commandObject: unknown;
  /** The optional arguments after the command object. */
  readonly args: unknown[];
}

/** AMF values of a command (type 20) or data (type 18) message; type 17/15 skip the leading format byte. */
export function decodeAmfMessageValues(typeId: number, payload: Uint8Array, limits: AmfLimits = DEFAULT_AMF_LIMITS): unknown[] {
  let body = payload;
  // AMF3 command/data messages start with a format selector byte 0, then AMF0 values that may
  // switch to AMF3 per value (AVM+ marker).
  if ((typeId === MessageType.commandAmf3 || typeId === MessageType.dataAmf3) && body.length > 0 && body[0] === 0) {
    body = body.subarray(1);
  }
  return decodeAmf0(body, limits);
}

/** Decodes a command message body; raises RTMP_BAD_COMMAND when it does not start with a name. */
export function decodeCommand(typeId: number, payload: Uint8Array, limits: AmfLimits = DEFAULT_AMF_LIMITS): RtmpCommand {
  const values = decodeAmfMessageValues(typeId, payload, limits);
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== 'string') throw new ProtocolError('RTMP_BAD_COMMAND', 'command message without a command name');
  return {
    name,
    transactionId: typeof transactionId === 'number' && Number.isFinite(transactionId) ? transactionId : 0,
    commandObject: commandObject ?? null,
    args,
  };
}

/** An AMF0 command message (type 20). */
export function encodeCommand(
  command: RtmpCommand,
  opts: { chunkStreamId?: number; streamId?: number; timestamp?: number } = {},
): RtmpMessage {
  return {
    chunkStreamId: opts.chunkStreamId ?? 3,
    timestamp: opts.timestamp ?? 0,
    typeId: MessageType.commandAmf0,
    streamId: opts.streamId ?? 0,
    payload: encodeAmf0(command.name, command.transactionId, command.commandObject, ...command.args),
  };
}
