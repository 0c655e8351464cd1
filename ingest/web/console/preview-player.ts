import { chooseEngine, startPlayback } from '../player/start-playback.js';
import { failureText, type ConsoleClient } from './console-client.js';
import { h } from './dom.js';

/** How often an open preview renews its grant (the cookie holds ten minutes). */
const RENEW_MS = 4 * 60_000;

/**
 * The stream detail's preview: the player page's playback (mpegts.js over HTTP-FLV where MSE
 * plays live H.264, else hls.js, else the browser's own HLS), muted, with its state as text.
 * It first asks the console API for the preview grant (a cookie for this one stream), so it plays
 * even when players must log in, and renews it while it stays open. Returns the element and a stop
 * function.
 */
export function previewPlayer(path: string, client: ConsoleClient): { element: HTMLElement; stop(): void } {
  const slash = path.indexOf('/');
  const app = path.slice(0, slash);
  const stream = path.slice(slash + 1);
  const video = h('video', { muted: true, playsinline: true, controls: true, class: 'preview', 'aria-label': `Preview of ${path}` });
  video.muted = true;
  const status = h('p', { class: 'muted', role: 'status' }, 'Starting the preview…');
  const element = h('div', { class: 'preview-box' }, video, status);
  const engine = chooseEngine(video);
  if (engine === undefined) {
    status.textContent = 'This browser can play neither HTTP-FLV nor HLS.';
    return { element, stop: () => {} };
  }
  let stopped = false;
  let stopPlayback = (): void => {};
  const renew = window.setInterval(() => void client.grantPreview(path).catch(() => {}), RENEW_MS);
  client.grantPreview(path).then(
    () => {
      if (stopped) return;
      stopPlayback = startPlayback(video, app, stream, engine, {
        state: (text) => {
          status.textContent = text;
        },
        error: (text) => {
          status.textContent = text;
        },
      });
    },
    (err: unknown) => {
      status.textContent = `No preview: ${failureText(err)}`;
    },
  );
  const stop = (): void => {
    stopped = true;
    window.clearInterval(renew);
    stopPlayback();
  };
  return { element, stop };
}
