import type {
  ConnectRequest as RtmpConnectRequest,
  ConnectVerdict,
  PlayVerdict,
  PublishVerdict,
  RtmpAccessControl,
  StreamRequest,
} from '../servers/rtmp/rtmp-access-control.js';
import { parseQueryCredentials } from '#domain/rtmp-auth-query.js';
import type { AuthDecision, Authorizer, AuthorizeRequest, Credentials } from './authorizer.js';
import { classifyConnect } from './classify-connect.js';

/** Tunables of {@link createRtmpAccessControl}. */
export interface RtmpAccessControlOptions {
  /**
   * A live session whose recheck cannot reach the functions keeps going this long before it is
   * stopped (fail closed, but a functions blip must not drop every live stream). Default 60 000 ms.
   */
  recheckGraceMs?: number;
  /** Retry interval of a recheck that could not reach the functions. Default 5000 ms. */
  recheckRetryMs?: number;
  /** Defaults to `Date.now`. */
  now?: () => number;
}

/** {@link RtmpAccessControl} plus a way to stop every pending recheck (shutdown). */
export interface RtmpAccessControlHandle extends RtmpAccessControl {
  /** Cancels every scheduled recheck. */
  close(): void;
  /** Number of live sessions being rechecked (for tests and metrics). */
  readonly watching: number;
  /** The authorizer it adapts, for protocols with their own credential carriers (RTSP Basic/Digest). */
  readonly authorizer: Authorizer;
}

/**
 * Adapts the {@link Authorizer} to the RTMP server's `RtmpAccessControl` (servers/rtmp/rtmp-access-control.ts).
 *
 * - `connect`: runs {@link Authorizer.connect}, with the role taken from the connect's command
 *   object ({@link classifyConnect}). The verdict's `credentials` (opaque to the server) are what
 *   the server must hand back on publish/play; `user` is set for an Adobe/llnw login.
 * - `publish`/`play`: decides with those credentials (none → the stream name's query is tried);
 *   a denial is `NetStream.Publish.Denied` / a play failure with the decision's description.
 * - `watch(cb)`: rechecks at the decision's `recheckAtMs` and calls `cb(reason)` once when the
 *   session is no longer allowed; returns `stop()`, which the server calls when the publish ends.
 */
export function createRtmpAccessControl(authorizer: Authorizer, opts: RtmpAccessControlOptions = {}): RtmpAccessControlHandle {
  const now = opts.now ?? Date.now;
  const graceMs = opts.recheckGraceMs ?? 60_000;
  const retryMs = opts.recheckRetryMs ?? 5000;
  const watchers = new Set<() => void>();

  function credentialsFor(req: StreamRequest): Credentials {
    // What our connect verdict returned (a `verified` one is only honoured if the authorizer minted it).
    if (isCredentials(req.credentials)) return req.credentials;
    try {
      const fromApp = parseQueryCredentials(req.appQuery);
      if (fromApp) return { kind: 'password', user: fromApp.user, password: fromApp.password, source: 'app-query' };
    } catch {
      // A broken connect query was already refused at connect; fall through.
    }
    return { kind: 'none' };
  }

  function toAuthorizeRequest(req: StreamRequest, action: 'publish' | 'play'): AuthorizeRequest {
    // The authorizer takes credentials from the stream query itself when none came with connect.
    const stream = req.streamQuery === '' ? req.stream : `${req.stream}?${req.streamQuery}`;
    return { action, protocol: req.protocol, app: req.app, stream, ip: req.remoteAddress, credentials: credentialsFor(req) };
  }

  function watch(req: AuthorizeRequest, first: AuthDecision) {
    return (onRevoked: (reason: string) => void): (() => void) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let stopped = false;
      let failingSince: number | undefined;
      const stop = (): void => {
        stopped = true;
        if (timer) clearTimeout(timer);
        watchers.delete(stop);
      };
      const schedule = (atMs: number): void => {
        timer = setTimeout(run, Math.max(0, atMs - now()));
        timer.unref?.();
      };
      const run = async (): Promise<void> => {
        if (stopped) return;
        const d = await authorizer.recheck(req);
        if (stopped) return;
        if (d.allowed) {
          failingSince = undefined;
          schedule(d.recheckAtMs ?? now() + 30_000);
          return;
        }
        if (d.reason === 'timeout' || d.reason === 'service_unavailable') {
          failingSince ??= now();
          if (now() - failingSince < graceMs) {
            schedule(now() + retryMs);
            return;
          }
        }
        stop();
        onRevoked(d.description || d.reason);
      };
      watchers.add(stop);
      schedule(first.recheckAtMs!);
      return stop;
    };
  }

  return {
    authorizer,
    async connect(req: RtmpConnectRequest): Promise<ConnectVerdict> {
      const o = await authorizer.connect({
        app: req.rawApp,
        tcUrl: req.tcUrl,
        ip: req.remoteAddress,
        protocol: req.protocol,
        role: classifyConnect(req.commandObject),
      });
      if (o.kind === 'reject') return { ok: false, description: o.description };
      const user = o.credentials.kind === 'verified' ? o.credentials.user : undefined;
      return { ok: true, credentials: o.credentials, ...(user !== undefined ? { user } : {}) };
    },

    async publish(req: StreamRequest): Promise<PublishVerdict> {
      const ar = toAuthorizeRequest(req, 'publish');
      const d = await authorizer.authorize(ar);
      if (!d.allowed) return { ok: false, code: 'NetStream.Publish.Denied', description: d.description ?? d.reason };
      return {
        ok: true,
        ...(d.user !== undefined ? { user: d.user } : {}),
        ...(d.recheckAtMs !== undefined ? { watch: watch(ar, d) } : {}),
      };
    },

    async play(req: StreamRequest): Promise<PlayVerdict> {
      const d = await authorizer.authorize(toAuthorizeRequest(req, 'play'));
      if (!d.allowed) return { ok: false, description: d.description ?? d.reason };
      return { ok: true, ...(d.user !== undefined ? { user: d.user } : {}) };
    },

    close() {
      for (const stop of [...watchers]) stop();
    },

    get watching() {
      return watchers.size;
    },
  };
}

function isCredentials(value: unknown): value is Credentials {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'none' || kind === 'password' || kind === 'proof' || kind === 'verified';
}
