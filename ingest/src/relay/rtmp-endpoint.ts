import type { RelayUrl } from '#domain/relay-url.js';

/** Where an RTMP client connects and what it publishes or plays. */
export interface RtmpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The connect `app` (the first path segment). */
  readonly app: string;
  /** The stream name or key: the rest of the path, with the URL's query (e.g. `?user=&pass=`). */
  readonly stream: string;
  readonly tcUrl: string;
  /** Credentials from the URL's userinfo (`rtmp://user:pass@host/…`): Adobe auth when the server asks. */
  readonly user?: string;
  readonly password?: string;
}

/**
 * Splits an rtmp(s) URL the way encoders do: `rtmp://host[:port]/APP/STREAM[?query]`; a stream
 * key may contain slashes (everything after the app is the stream). Undefined when the URL names
 * no app or no stream.
 */
export function rtmpEndpoint(url: RelayUrl): RtmpEndpoint | undefined {
  const path = url.path.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) return undefined;
  const app = decodeURIComponent(path.slice(0, slash));
  const stream = decodeURIComponent(path.slice(slash + 1)) + url.search;
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  return {
    host: url.host,
    port: url.port,
    tls: url.scheme === 'rtmps',
    app,
    stream,
    tcUrl: `${url.scheme}://${host}:${url.port}/${app}`,
    ...(url.username && url.password ? { user: url.username, password: url.password } : {}),
  };
}
