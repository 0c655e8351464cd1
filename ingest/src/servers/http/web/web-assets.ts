import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { WEB_ASSET_NAME } from '#ingest/protocols/http/http-route.js';

/** One browser file ready to serve: its bytes, their gzip, and a strong ETag of the bytes. */
export interface WebAsset {
  readonly name: string;
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly gzip: Uint8Array;
  /** `"<16 hex of sha256>"`, quotes included (RFC 9110 §8.8.3). */
  readonly etag: string;
}

/** An HTTP answer for one asset request. */
export interface WebAssetAnswer {
  readonly status: 200 | 304 | 404 | 503;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** Where browser assets come from. */
export type WebAssetSource =
  /** Files built ahead (scripts/build.mjs → dist/web/), read once. */
  | { readonly kind: 'prebuilt'; readonly dir: string }
  /** Sources (`<dir>/<app>/main.ts`) bundled in this process with esbuild, once. */
  | { readonly kind: 'sources'; readonly dir: string; readonly root: string };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** A year: what a versioned URL (`?v=<etag>`) may be cached for, since its bytes never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Where this ingest finds its browser assets: `dist/web/` beside the running bundle
 * (dist/ingest/main.mjs → dist/web/, what ingest/Dockerfile ships), else the sources in
 * `ingest/web/` next to this module's source tree (npm start via tsx, tests), else nothing.
 * A stale dist/web/ never shadows the sources: from the source tree the path beside this module
 * is not dist/.
 */
export function locateWebAssets(moduleUrl: string = import.meta.url): WebAssetSource | undefined {
  const here = fileURLToPath(new URL('.', moduleUrl));
  const prebuilt = join(here, '..', 'web');
  if (existsSync(join(prebuilt, 'player.js'))) return { kind: 'prebuilt', dir: prebuilt };
  const root = join(here, '..', '..', '..', '..', '..');
  const sources = join(root, 'ingest', 'web');
  if (existsSync(join(sources, 'player', 'main.ts'))) return { kind: 'sources', dir: sources, root };
  return undefined;
}

function asset(name: string, bytes: Uint8Array): WebAsset {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  return {
    name,
    contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
    body: bytes,
    gzip: gzipSync(bytes, { level: 9 }),
    etag: `"${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}"`,
  };
}

/** The esbuild options of infra/bundle-options.json's `web` section (scripts/build.mjs reads the same). */
interface WebBundleOptions {
  readonly target: string[];
  readonly minify: boolean;
}

/** The apps under `dir`: every folder holding a `main.ts`. */
export function webApps(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'main.ts')))
    .map((d) => d.name)
    .sort();
}

/** Bundles every app of `source` with esbuild in memory: `<app>.js` (and `<app>.css` when it imports CSS). */
async function buildFromSources(source: Extract<WebAssetSource, { kind: 'sources' }>): Promise<Map<string, WebAsset>> {
  const options = (JSON.parse(readFileSync(join(source.root, 'infra', 'bundle-options.json'), 'utf8')) as { web: WebBundleOptions }).web;
  // esbuild is a dev dependency: the production bundle never reaches this line (it has dist/web),
  // and a specifier in a variable keeps the bundler from pulling esbuild into dist/ingest.
  const esbuildModule = 'esbuild';
  const esbuild = (await import(esbuildModule)) as typeof import('esbuild');
  const apps = webApps(source.dir);
  const result = await esbuild.build({
    absWorkingDir: source.root,
    entryPoints: Object.fromEntries(apps.map((app) => [app, join(source.dir, app, 'main.ts')])),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: options.target,
    minify: options.minify,
    legalComments: 'none',
    outdir: join(source.root, 'dist', 'web'),
    write: false,
    logLevel: 'silent',
  });
  // The built apps are kept in memory: esbuild's service process (about 50 MB of RSS) is not
  // needed any more, and it starts again by itself if anything in this process builds later.
  await esbuild.stop();
  const assets = new Map<string, WebAsset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    if (WEB_ASSET_NAME.test(name)) assets.set(name, asset(name, file.contents));
  }
  return assets;
}

function readPrebuilt(dir: string): Map<string, WebAsset> {
  const assets = new Map<string, WebAsset>();
  for (const name of readdirSync(dir)) {
    if (WEB_ASSET_NAME.test(name)) assets.set(name, asset(name, readFileSync(join(dir, name))));
  }
  return assets;
}

/**
 * The browser assets the 8080 listener serves under `/web/<name>` (the player page's script, the
 * console's): prebuilt files when the ingest runs from its bundle, else its TypeScript sources
 * bundled once in this process (start() begins it; requests wait for it). Each answer carries a
 * strong ETag (If-None-Match → 304), gzip when the client accepts it (Vary: Accept-Encoding) and
 * `Cache-Control`: immutable for a URL versioned with the asset's ETag (what {@link url} gives
 * pages), `no-cache` (revalidate) otherwise.
 */
export class WebAssets {
  private loading: Promise<Map<string, WebAsset>> | undefined;
  private failure: Error | undefined;

  constructor(private readonly source: WebAssetSource | undefined) {}

  /** Starts reading or building the assets; errors are kept and answered as 503 (never thrown here). */
  start(): Promise<void> {
    if (this.loading === undefined) {
      const source = this.source;
      this.loading =
        source === undefined
          ? Promise.reject(new Error('no browser assets: neither dist/web/ beside the bundle nor ingest/web/ sources'))
          : source.kind === 'prebuilt'
            ? Promise.resolve().then(() => readPrebuilt(source.dir))
            : buildFromSources(source);
      this.loading.catch((err: unknown) => {
        this.failure = err instanceof Error ? err : new Error(String(err));
      });
    }
    return this.loading.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Why the assets are unavailable, once a start failed. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** The asset called `name`, once ready; undefined when there is none (or the build failed). */
  async get(name: string): Promise<WebAsset | undefined> {
    await this.start();
    if (this.failure !== undefined) return undefined;
    return (await this.loading!).get(name);
  }

  /** The URL a page should reference for `name`: versioned by its ETag, so it may be cached for good. */
  async url(name: string): Promise<string> {
    const a = await this.get(name);
    return a === undefined ? `/web/${name}` : `/web/${name}?v=${a.etag.slice(1, -1)}`;
  }

  /**
   * Answers `GET /web/<name>` with the request's `If-None-Match`, `Accept-Encoding` and query
   * version (`v`). Unknown names 404; a failed build 503 (its cause goes to the log by the caller).
   */
  async answer(name: string, request: { ifNoneMatch?: string; acceptEncoding?: string; version?: string }): Promise<WebAssetAnswer> {
    const a = WEB_ASSET_NAME.test(name) ? await this.get(name) : undefined;
    if (a === undefined) {
      const status = this.failure !== undefined ? 503 : 404;
      return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, body: Buffer.from(status === 503 ? 'HTTP_WEB_ASSETS_UNAVAILABLE\n' : 'HTTP_NOT_FOUND\n') };
    }
    const versioned = request.version !== undefined && `"${request.version}"` === a.etag;
    const headers: Record<string, string> = {
      ETag: a.etag,
      'Cache-Control': versioned ? IMMUTABLE : 'no-cache',
      Vary: 'Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
    };
    if (request.ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === a.etag)) {
      return { status: 304, headers, body: new Uint8Array(0) };
    }
    headers['Content-Type'] = a.contentType;
    if (acceptsGzip(request.acceptEncoding)) {
      headers['Content-Encoding'] = 'gzip';
      return { status: 200, headers, body: a.gzip };
    }
    return { status: 200, headers, body: a.body };
  }
}

/** Whether an Accept-Encoding field accepts gzip (RFC 9110 §12.5.3: a `q=0` refuses it). */
export function acceptsGzip(field: string | undefined): boolean {
  if (field === undefined) return false;
  for (const part of field.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * WebAssets found by {@link locateWebAssets} for a serving process: sources start building now (it
 * takes seconds, and the first viewer should not wait for it); prebuilt files (the bundle's
 * dist/web/) are read on the first request instead, which keeps their bytes and gzip (1.7 MB, and
 * gzip's working memory at start) out of a process no browser has asked yet.
 */
export function startedWebAssets(source: WebAssetSource | undefined = locateWebAssets()): WebAssets {
  const web = new WebAssets(source);
  if (source?.kind === 'sources') void web.start();
  return web;
}
