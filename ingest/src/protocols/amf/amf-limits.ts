import { LIMITS } from '../limits.js';

/** The limits AMF decoders enforce. */
export interface AmfLimits {
  readonly amfMaxDepth: number;
  readonly amfMaxStringLength: number;
  readonly amfMaxArrayLength: number;
}

/** The default AMF limits, from LIMITS. */
export const DEFAULT_AMF_LIMITS: AmfLimits = {
  amfMaxDepth: LIMITS.amfMaxDepth,
  amfMaxStringLength: LIMITS.amfMaxStringLength,
  amfMaxArrayLength: LIMITS.amfMaxArrayLength,
};
