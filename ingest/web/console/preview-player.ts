import { chooseEngine, startPlayback } from '../player/start-playback.js';
import { h } from './dom.js';

/**
 * The stream detail's preview: the player page's playback (mpegts.js over HTTP-FLV where MSE
 * plays live H.264, else hls.js, else the browser's own HLS), muted, with its state as text.
 * Returns the element and a stop function.
 */
export function previewPlayer(path: string): { element: HTMLElement; stop(): void } {
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
  const stop = startPlayback(video, app, stream, engine, {
    state: (text) => {
      status.textContent = text;
    },
    error: (text) => {
      status.textContent = text;
    },
  });
  return { element, stop };
}
