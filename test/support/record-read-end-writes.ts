import type { Hub } from '#ingest/hub/hub.js';
import type { Subscription } from '#ingest/hub/subscription.js';

/** A frame a reader was given, and whether that happened inside the end of a publisher's read. */
export interface ReadEndWrite {
  readonly kind: string;
  readonly inReadEnd: boolean;
}

/**
 * Subscribes a reader to `path` that records each frame it is given and whether the hub handed it
 * over inside `hub.endInput()` (the end of a publisher's socket read or datagram) rather than in a
 * later loop turn. `stop()` unsubscribes and gives the hub its own `endInput` back.
 */
export function recordReadEndWrites(hub: Hub, path: string): { readonly written: ReadEndWrite[]; stop(): void } {
  let inReadEnd = false;
  const endInput = hub.endInput;
  hub.endInput = function (this: Hub) {
    inReadEnd = true;
    try {
      endInput.call(this);
    } finally {
      inReadEnd = false;
    }
  };
  const written: ReadEndWrite[] = [];
  const sub: Subscription = hub.subscribe(path, {
    id: `read-end-recorder-${path}`,
    protocol: 'test',
    onPublish: () => undefined,
    write: (frames) => {
      for (const f of frames) written.push({ kind: f.kind, inReadEnd });
      return true;
    },
    onUnpublish: () => undefined,
    onEnd: () => undefined,
  });
  return {
    written,
    stop: () => {
      sub.close();
      hub.endInput = endInput;
    },
  };
}
