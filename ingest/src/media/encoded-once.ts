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
  if (cache.has(key)) return cache.get(key) as T;
  const value = encode(frame);
  cache.set(key, value);
  return value;
}
