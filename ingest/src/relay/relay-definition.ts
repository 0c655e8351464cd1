/**
 * One managed relay as the ingest runs it (from the functions' relays resource, or the 6665
 * listener's settings). Exactly one of `push` and `pull` is set.
 */
export interface RelayDefinition {
  readonly id: string;
  /**
   * Push: an `APP/STREAM` path or a pattern with `*` (`live/*`). Pull: the exact path the
   * pulled stream is published under.
   */
  readonly stream: string;
  /**
   * Push target URLs (rtmp/rtmps). `{name}` is replaced by the stream name and `{path}` by the
   * whole path of the live stream (for patterns).
   */
  readonly push?: readonly string[];
  /** Pull source URL (rtmp/rtmps/rtsp/http/https). */
  readonly pull?: string;
  /** Pull: start when the first player arrives (default) or always. */
  readonly mode?: 'on-demand' | 'always';
  /** Only streams whose publisher came in over this protocol (the 6665 listener's relays). */
  readonly protocol?: string;
}
