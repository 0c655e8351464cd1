import type { MediaFrame } from './media-frame.js';

const cacheKey = Symbol('streamgate.encoded');

type WithCache = { [cacheKey]?: Map<string, unknown> };

/**
 * Returns `encode(frame)`, computed at most once per frame and `key` (an output format plus any
 * parameters that change its bytes, e.g. `rtmp:4096:1`). All readers of one format share the bytes,
 * and a format nobody reads is never produced.
 */
export function encodedOnce<T>(frame: MediaFrame, key: string, encode: (frame: MediaFrame) => T): T {
  const holder = frame as WithCache;
  let cache = holder[cacheKey];
  if (cache === undefined) {
    cache = new Map();
    Object.defineProperty(holder, cacheKey, { value: cache, enumerable: false });
  }
  // One lookup per reader and frame (the hot path of fan-out); undefined is never a cached value
  // worth sharing, so it doubles as "not yet".
  const cached = cache.get(key);
  if (cached !== undefined) return cached as T;
  const value = encode(frame);
  cache.set(key, value);
  return value;
}
