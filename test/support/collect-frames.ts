import type { Hub } from '#ingest/hub/hub.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import type { Subscription } from '#ingest/hub/subscription.js';

/** A hub reader that keeps every frame it is written, in order, and always keeps up. */
export interface FrameCollector {
  readonly frames: MediaFrame[];
  readonly subscription: Subscription;
}

/** Subscribes a collecting reader (protocol `test`) to `path` of `hub`. */
export function collectFrames(hub: Hub, path: string, id = 'probe'): FrameCollector {
  const frames: MediaFrame[] = [];
  const subscription = hub.subscribe(path, {
    id,
    protocol: 'test',
    onPublish: () => undefined,
    write: (f) => (frames.push(...f), true),
    onUnpublish: () => undefined,
    onEnd: () => undefined,
  });
  return { frames, subscription };
}
