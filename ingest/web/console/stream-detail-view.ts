import { failureText } from './console-client.js';
import { h, replace, setText } from './dom.js';
import { formatBitrate, formatCounts, formatDuration, formatTime } from './format.js';
import { playUrls } from './play-urls.js';
import { previewPlayer } from './preview-player.js';
import { sparkline } from './sparkline.js';
import type { ConsoleSnapshot, StreamSample } from '#domain/console-api.js';
import type { View, ViewContext } from './view.js';

const HISTORY_MS = 2000;

/** Copies `text`, telling the operator whether it worked. */
async function copy(text: string, ctx: ViewContext, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    ctx.announce(`Copied the ${what} URL.`);
  } catch {
    ctx.announce(`Copying needs a secure page (HTTPS or localhost); select the ${what} URL instead.`, 'error');
  }
}

/**
 * One stream: its facts (publisher, codecs, rates, viewers by protocol) updated every second, the
 * bitrate and viewers sparklines of the last minutes, a muted preview, the play URL of every
 * protocol with a copy button, and the operator's actions (kick the publisher, drop the readers).
 */
export function streamDetailView(ctx: ViewContext, path: string): View {
  const facts = h('dl', { class: 'facts' });
  const charts = h('div', { class: 'charts' });
  const urls = h('ul', { class: 'urls' });
  const state = h('p', { class: 'muted', role: 'status' });
  let preview: { element: HTMLElement; stop(): void } | undefined;
  const previewSlot = h('div');
  let live = false;

  const act = async (button: HTMLButtonElement, call: string, confirmText: string, done: (r: Record<string, unknown>) => string): Promise<void> => {
    if (!window.confirm(confirmText)) return;
    button.disabled = true;
    try {
      const r = await ctx.client.send<Record<string, unknown>>('POST', `streams/${call}`, { stream: path });
      ctx.announce(done(r));
    } catch (err) {
      ctx.announce(failureText(err), 'error');
    } finally {
      button.disabled = false;
    }
  };
  const kick: HTMLButtonElement = h('button', { type: 'button', class: 'danger', onclick: () => void act(kick, 'kick', `Disconnect the publisher of ${path}?`, (r) => `Publisher ${String(r.kicked)} of ${path} disconnected.`) }, 'Kick publisher');
  const drop: HTMLButtonElement = h('button', { type: 'button', onclick: () => void act(drop, 'drop-readers', `Disconnect every player of ${path}?`, (r) => `${(r.dropped as unknown[]).length} player connection(s) of ${path} closed.`) }, 'Drop readers');

  const element = h(
    'section',
    { 'aria-labelledby': 'detail-title' },
    h('p', {}, h('a', { href: '#/streams' }, '← Live streams')),
    h('h2', { id: 'detail-title' }, path),
    state,
    h('div', { class: 'detail' }, h('div', {}, previewSlot, h('div', { class: 'actions' }, kick, drop)), h('div', {}, facts, charts)),
    h('h3', {}, 'Play URLs'),
    urls,
  );

  const fact = (dt: string, dd: string) => [h('dt', {}, dt), h('dd', {}, dd)];
  const update = (snap: ConsoleSnapshot): void => {
    const s = snap.streams.find((x) => x.path === path);
    kick.disabled = s === undefined;
    if (s === undefined) {
      live = false;
      setText(state, `${path} is not live.`);
      replace(facts);
      return;
    }
    if (!live) {
      live = true;
      replace(urls, ...playUrls(path, snap.server.ports, location).map((u) =>
        h('li', {}, h('span', { class: 'proto' }, u.protocol), h('code', {}, u.url), h('button', { type: 'button', 'aria-label': `Copy the ${u.protocol} URL`, onclick: () => void copy(u.url, ctx, u.protocol) }, 'Copy')),
      ));
      if (preview === undefined) {
        preview = previewPlayer(path, ctx.client);
        replace(previewSlot, preview.element);
      }
    }
    setText(state, `Live for ${formatDuration(snap.server.now - s.publisher.since)}`);
    replace(
      facts,
      ...fact('Publisher', `${s.publisher.protocol} from ${s.publisher.remoteAddress} (connection ${s.publisher.id})`),
      ...fact('User', s.publisher.user ?? '–'),
      ...fact('Since', formatTime(s.publisher.since)),
      ...fact('Video', s.video ? `${s.video.codec}${s.video.width ? ` ${s.video.width}×${s.video.height}` : ''}` : '–'),
      ...fact('Audio', s.audio ? `${s.audio.codec} ${s.audio.sampleRate} Hz, ${s.audio.channels} ch` : '–'),
      ...fact('Bitrate in / out', `${formatBitrate(s.inBps)} / ${formatBitrate(s.outBps)}`),
      ...fact('Viewers', `${s.readers} (${formatCounts(s.readersByProtocol)})`),
      ...fact('Frames in / dropped', `${s.framesIn} / ${s.framesDropped}`),
    );
  };

  const drawHistory = (samples: readonly StreamSample[]): void => {
    const last = samples[samples.length - 1];
    const minutes = Math.max(1, Math.round((samples.length * HISTORY_MS) / 60000));
    replace(
      charts,
      h('figure', {}, sparkline(samples.map((x) => x.inBps), `Bitrate in, last ${minutes} min: now ${formatBitrate(last?.inBps ?? 0)}`), h('figcaption', {}, `Bitrate in (${formatBitrate(last?.inBps ?? 0)})`)),
      h('figure', {}, sparkline(samples.map((x) => x.readers), `Viewers, last ${minutes} min: now ${last?.readers ?? 0}`), h('figcaption', {}, `Viewers (${last?.readers ?? 0})`)),
    );
  };
  const loadHistory = async (): Promise<void> => {
    try {
      const r = await ctx.client.get<{ samples: StreamSample[] }>(`history?stream=${encodeURIComponent(path)}`);
      drawHistory(r.samples);
    } catch {
      // The table's numbers still update; the chart waits for the next try.
    }
  };
  void loadHistory();
  const timer = window.setInterval(() => void loadHistory(), HISTORY_MS);
  const first = ctx.snapshot();
  if (first) update(first);
  return {
    element,
    update,
    close: () => {
      window.clearInterval(timer);
      preview?.stop();
    },
  };
}
