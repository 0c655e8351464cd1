/** What the console API answers (ingest/src/servers/http/console/console-snapshot.ts, as JSON). */
export interface ConsoleStream {
  readonly path: string;
  readonly publisher: { readonly id: string; readonly protocol: string; readonly remoteAddress: string; readonly user?: string; readonly since: number };
  readonly video?: { readonly codec: string; readonly width?: number; readonly height?: number };
  readonly audio?: { readonly codec: string; readonly sampleRate: number; readonly channels: number };
  readonly readers: number;
  readonly readersByProtocol: Readonly<Record<string, number>>;
  readonly framesIn: number;
  readonly framesDropped: number;
  readonly inBps: number;
  readonly outBps: number;
}

export interface ConsoleServer {
  readonly version: string;
  readonly startedAt: number;
  readonly now: number;
  readonly draining: boolean;
  readonly ports: Readonly<Record<string, number>>;
  readonly connectionsByProtocol: Readonly<Record<string, number>>;
  readonly connections: number;
  readonly playAuth: string;
  readonly publishAuth: string;
  readonly authLastMinute: { readonly allowed: number; readonly denied: number; readonly errors: number };
  readonly authTotal: { readonly allowed: number; readonly denied: number; readonly errors: number };
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number; readonly heapTotalBytes: number; readonly externalBytes: number };
  readonly eventLoop: { readonly p99Ms: number; readonly maxMs: number };
  readonly inBps: number;
  readonly outBps: number;
  readonly clusterTask?: string;
}

export interface RelayStatus {
  readonly id: string;
  readonly relay: string;
  readonly direction: 'push' | 'pull';
  readonly stream: string;
  readonly url: string;
  readonly state: string;
  readonly bytes: number;
  readonly liveSince?: number;
  readonly connects: number;
  readonly failures: number;
  readonly framesDropped: number;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
  readonly retryAt?: number;
}

export interface ConsoleSnapshot {
  readonly server: ConsoleServer;
  readonly streams: readonly ConsoleStream[];
  readonly relays: readonly RelayStatus[];
}

export interface StreamSample {
  readonly t: number;
  readonly inBps: number;
  readonly outBps: number;
  readonly readers: number;
}

export interface ServerSample {
  readonly t: number;
  readonly inBps: number;
  readonly outBps: number;
  readonly authAllowed: number;
  readonly authDenied: number;
  readonly authErrors: number;
  readonly connections: number;
  readonly eventLoopP99Ms: number;
  readonly eventLoopMaxMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

/** A user as the users API shows it (never with a password). */
export interface User {
  readonly name: string;
  readonly enabled: boolean;
  readonly grants: { readonly publish: readonly string[]; readonly play: readonly string[] };
  readonly ipRanges: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A managed relay as the relays API shows it (URLs redacted). */
export interface RelayView {
  readonly id: string;
  readonly stream: string;
  readonly push?: readonly string[];
  readonly pull?: string;
  readonly mode?: string;
  readonly owner?: string;
  readonly createdAt: string;
  /** Present (false) only while the relay is turned off. */
  readonly enabled?: false;
}
