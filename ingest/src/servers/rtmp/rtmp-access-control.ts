/** The connect step of an RTMP session, as access control sees it. */
export interface ConnectRequest {
  /** App name without query. */
  readonly app: string;
  /** App exactly as sent (may carry `?authmod=…&user=…` or `?user=…&pass=…`). */
  readonly rawApp: string;
  readonly tcUrl?: string;
  /** The connect command object (flashVer, type, … tell publishers from players). */
  readonly commandObject: Readonly<Record<string, unknown>>;
  readonly remoteAddress: string;
  readonly protocol: 'rtmp' | 'rtmps' | 'rtmpt';
}

/** A publish or play request. */
export interface StreamRequest {
  readonly app: string;
  /** Raw query of the connect app (credentials may be there). */
  readonly appQuery: string;
  /** Stream name without query. */
  readonly stream: string;
  /** Raw query of the stream name (some encoders put credentials there). */
  readonly streamQuery: string;
  /** What the connect verdict returned: credentials to check at publish/play (opaque to the server). */
  readonly credentials?: unknown;
  readonly remoteAddress: string;
  readonly protocol: 'rtmp' | 'rtmps' | 'rtmpt';
}

export type ConnectVerdict =
  | { ok: true; user?: string; /** Kept on the connection and handed back on publish/play. */ credentials?: unknown }
  | { ok: false; description: string };

export type PublishVerdict =
  | {
      ok: true;
      user?: string;
      /**
       * Watches the grant while publishing (re-checked when the cached answer expires): runs
       * `callback` if it is revoked. Returns a function that stops watching.
       */
      watch?: (callback: (reason: string) => void) => () => void;
    }
  | { ok: false; code: 'NetStream.Publish.Denied' | 'NetStream.Publish.BadName'; description: string };

export type PlayVerdict = { ok: true; user?: string } | { ok: false; description: string };

/**
 * The RTMP server's narrow question to the auth layer: may this connect, publish or play go on?
 * Implementations never throw; they fail closed.
 */
export interface RtmpAccessControl {
  connect(req: ConnectRequest): Promise<ConnectVerdict>;
  publish(req: StreamRequest): Promise<PublishVerdict>;
  play(req: StreamRequest): Promise<PlayVerdict>;
}

/** Everyone may connect, publish and play: `STREAMGATE_AUTH=off`, for trials only. */
export const openAccess: RtmpAccessControl = {
  connect: async () => ({ ok: true }),
  publish: async () => ({ ok: true }),
  play: async () => ({ ok: true }),
};
