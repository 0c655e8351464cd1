import Hls from 'hls.js/light';
import mpegts from 'mpegts.js';
import { streamUrlPath } from './stream-url-path.js';

/** The engine that plays: mpegts.js over HTTP-FLV (MSE, low latency), hls.js over HLS (MSE), or the browser's own HLS. */
export type PlaybackEngine = 'mpegts.js' | 'hls.js' | 'native-hls';

/** What the page hears from a playback. */
export interface PlaybackEvents {
  /** Progress worth showing (connecting, playing). */
  state(text: string): void;
  /** A real error, as the engine or the server said it; `retrying` when playback will try again by itself. */
  error(text: string, retrying: boolean): void;
}

/**
 * The URLs of one stream on this origin. mpegts.js reads Enhanced FLV Opus, so its HTTP-FLV request
 * announces it (`fourCcList=Opus`); without that the server leaves Opus out for classic players.
 */
export function streamUrls(app: string, stream: string): { flv: string; hls: string } {
  const base = streamUrlPath(app, stream);
  return { flv: `${base}.flv?fourCcList=Opus`, hls: `${base}/index.m3u8` };
}

/**
 * Which engine this browser gets: mpegts.js wherever Media Source Extensions can play live H.264
 * (Chromium, Firefox, Safari on macOS and iPadOS), hls.js where MSE exists without what mpegts.js
 * needs, the browser's own HLS only where neither (Safari on iPhone, which has no MSE).
 */
export function chooseEngine(video: HTMLVideoElement, preferred?: string | null): PlaybackEngine | undefined {
  const usable: Record<PlaybackEngine, () => boolean> = {
    'mpegts.js': () => mpegts.isSupported() && mpegts.getFeatureList().mseLivePlayback,
    'hls.js': () => Hls.isSupported(),
    'native-hls': () => video.canPlayType('application/vnd.apple.mpegurl') !== '',
  };
  // `?engine=` picks one for a check or a comparison, when this browser can run it.
  if (preferred && preferred in usable && usable[preferred as PlaybackEngine]()) return preferred as PlaybackEngine;
  return (Object.keys(usable) as PlaybackEngine[]).find((engine) => usable[engine]());
}

/** The server's answer to a play URL, as a sentence (the body is its stable error code). */
function describeStatus(status: number, code: string, what: string): string {
  switch (status) {
    case 401:
      return `${what} needs a player login (${code || 'HTTP 401'}): enter your user name and password.`;
    case 403:
      return `Not allowed to play ${what} (${code || 'HTTP 403'}).`;
    case 404:
      return `${what} is not live (${code || 'HTTP 404'}).`;
    case 429:
      return `Too many failed attempts from this address (${code || 'HTTP 429'}).`;
    case 503:
      return `The server cannot play ${what} right now (${code || 'HTTP 503'}).`;
    default:
      return `${what}: HTTP ${status} ${code}`.trim();
  }
}

const RETRY_MS = 2000;

/**
 * Plays `app/stream` in `video` with `engine` and keeps at it: a stream that is not live yet or
 * ends is retried every 2 s (said on the page), an error that retrying cannot fix (401, 403) is
 * shown and stops. Returns a stop function.
 */
export function startPlayback(video: HTMLVideoElement, app: string, stream: string, engine: PlaybackEngine, on: PlaybackEvents): () => void {
  const urls = streamUrls(app, stream);
  const what = `${app}/${stream}`;
  let stopped = false;
  let retryTimer: number | undefined;
  let teardown: () => void = () => {};

  const retry = (why: string): void => {
    teardown();
    teardown = () => {};
    if (stopped) return;
    on.error(`${why} Retrying every ${RETRY_MS / 1000} s…`, true);
    retryTimer = window.setTimeout(attempt, RETRY_MS);
  };

  const fail = (why: string): void => {
    teardown();
    teardown = () => {};
    on.error(why, false);
  };

  // Said once per attempt, when frames really move: `playing` alone was seen missing after a retry.
  let playingSaid = false;
  const onPlaying = (): void => {
    if (playingSaid || video.paused || video.readyState < 3) return;
    playingSaid = true;
    on.state(`Playing ${what} with ${engine} (${engine === 'mpegts.js' ? 'HTTP-FLV' : 'HLS'}).`);
  };

  const onVideoError = (): void => {
    const e = video.error;
    if (e !== null && engine === 'native-hls') retry(`The browser could not play ${what}: ${e.message || `media error ${e.code}`}.`);
  };

  async function attempt(): Promise<void> {
    if (stopped) return;
    on.state(`Connecting to ${what}…`);
    const url = engine === 'mpegts.js' ? urls.flv : urls.hls;
    // The engines report an HTTP refusal without its reason; one HEAD says it exactly.
    let res: Response;
    try {
      // X-Streamgate-Player: a 401 comes without a Basic challenge, so no browser password dialog opens.
      res = await fetch(url, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin', headers: { 'X-Streamgate-Player': '1' } });
    } catch (err) {
      retry(`Cannot reach the server: ${err instanceof Error ? err.message : String(err)}.`);
      return;
    }
    if (stopped) return;
    if (!res.ok) {
      const code = res.headers.get('X-Streamgate-Code') ?? '';
      const text = describeStatus(res.status, code, what);
      if (res.status === 401 || res.status === 403 || res.status === 400) fail(text);
      else retry(text);
      return;
    }
    playingSaid = false;
    video.addEventListener('playing', onPlaying);
    video.addEventListener('timeupdate', onPlaying);
    video.addEventListener('error', onVideoError);
    const detach = (): void => {
      video.removeEventListener('playing', onPlaying);
      video.removeEventListener('timeupdate', onPlaying);
      video.removeEventListener('error', onVideoError);
    };
    if (engine === 'mpegts.js') {
      const player = mpegts.createPlayer(
        { type: 'flv', isLive: true, url: new URL(url, window.location.href).href },
        { enableStashBuffer: false, liveBufferLatencyChasing: true, liveSync: true, lazyLoad: false, autoCleanupSourceBuffer: true },
      );
      player.on(mpegts.Events.ERROR, (type: string, detail: string, info: { code?: number; msg?: string } | undefined) => {
        const msg = info?.msg ? `: ${info.msg}` : '';
        if (type === mpegts.ErrorTypes.NETWORK_ERROR) retry(`The HTTP-FLV connection for ${what} ended (${detail}${msg}).`);
        else fail(`mpegts.js could not play ${what}: ${type} ${detail}${msg}.`);
      });
      player.on(mpegts.Events.LOADING_COMPLETE, () => retry(`${what} ended.`));
      player.attachMediaElement(video);
      player.load();
      void Promise.resolve(player.play()).catch(() => on.state(`Ready: press play for ${what}.`));
      teardown = () => {
        detach();
        player.destroy();
      };
    } else if (engine === 'hls.js') {
      const hls = new Hls({ lowLatencyMode: false, liveSyncDurationCount: 2, manifestLoadingMaxRetry: 4 });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        const status = data.response?.code;
        const detail = `${data.type} ${data.details}${status ? ` (HTTP ${status})` : ''}${data.error?.message ? `: ${data.error.message}` : ''}`;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) fail(`hls.js could not play ${what}: ${detail}.`);
        else retry(`hls.js lost ${what}: ${detail}.`);
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      void video.play().catch(() => on.state(`Ready: press play for ${what}.`));
      teardown = () => {
        detach();
        hls.destroy();
      };
    } else {
      video.src = url;
      void video.play().catch(() => on.state(`Ready: press play for ${what}.`));
      teardown = () => {
        detach();
        video.removeAttribute('src');
        video.load();
      };
    }
  }

  void attempt();
  return () => {
    stopped = true;
    window.clearTimeout(retryTimer);
    teardown();
  };
}
