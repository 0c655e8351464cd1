import { ProtocolError } from '../protocol-error.js';
import { type AmfLimits, DEFAULT_AMF_LIMITS } from './amf-limits.js';
import type { AmfReader } from './amf-reader.js';

/**
 * What the AMF0 and AMF3 decoders share: a reader over one payload, the limits, and the depth
 * bound checked before every value (`AMF_TOO_DEEP`), so nesting never exhausts the stack.
 */
export abstract class AmfValueDecoder {
  constructor(
    protected readonly reader: AmfReader,
    protected readonly limits: AmfLimits = DEFAULT_AMF_LIMITS,
  ) {}

  /** Reads one value. `depth` is the nesting level of the caller (0 at top level). */
  readValue(depth = 0): unknown {
    if (depth > this.limits.amfMaxDepth) {
      throw new ProtocolError('AMF_TOO_DEEP', `AMF nesting too deep: ${depth} > limit ${this.limits.amfMaxDepth}`);
    }
    return this.readMarked(this.reader.u8(), depth);
  }

  /** Every value left in the payload. */
  readAll(): unknown[] {
    const values: unknown[] = [];
    while (this.reader.remaining > 0) values.push(this.readValue());
    return values;
  }

  /** The value after its type marker. */
  protected abstract readMarked(marker: number, depth: number): unknown;
}
