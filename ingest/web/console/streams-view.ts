import { encodeStreamPath } from '../player/stream-url-path.js';
import { h, replace, setText } from './dom.js';
import { formatBitrate, formatCounts, formatDuration } from './format.js';
import type { View, ViewContext } from './view.js';
import type { ConsoleSnapshot, ConsoleStream } from '#domain/console-api.js';

const COLUMNS = ['Stream', 'User', 'Publisher', 'Video', 'Audio', 'In', 'Out', 'Viewers', 'Uptime', 'Dropped'] as const;

/** `#/streams/live/cam1`: the detail link of a stream. */
export function streamHref(path: string): string {
  return `#/streams/${encodeStreamPath(path)}`;
}

function videoText(s: ConsoleStream): string {
  if (!s.video) return '–';
  return s.video.width && s.video.height ? `${s.video.codec} ${s.video.width}×${s.video.height}` : s.video.codec;
}

function audioText(s: ConsoleStream): string {
  if (!s.audio) return '–';
  return `${s.audio.codec} ${s.audio.sampleRate / 1000} kHz ${s.audio.channels === 1 ? 'mono' : s.audio.channels === 2 ? 'stereo' : `${s.audio.channels} ch`}`;
}

/** The cells of one stream's row, as text, in COLUMNS order (the first is a link). */
function cells(s: ConsoleStream, now: number): string[] {
  return [
    s.path,
    s.publisher.user ?? '–',
    `${s.publisher.protocol} ${s.publisher.remoteAddress}${s.task !== undefined ? ` on task ${s.task}` : ''}`,
    videoText(s),
    audioText(s),
    formatBitrate(s.inBps),
    formatBitrate(s.outBps),
    s.readers === 0 ? '0' : `${s.readers} (${formatCounts(s.readersByProtocol)})`,
    formatDuration(now - s.publisher.since),
    String(s.framesDropped),
  ];
}

/**
 * The live streams table: one row per stream, kept by path and updated in place every second
 * (focus and selection survive an update), each stream linking to its detail view.
 */
export function streamsView(ctx: ViewContext): View {
  const rows = new Map<string, { tr: HTMLTableRowElement; tds: HTMLTableCellElement[] }>();
  const tbody = h('tbody');
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });
  const empty = h('p', { class: 'empty' });
  const table = h(
    'table',
    { class: 'data', 'aria-label': 'Live streams' },
    h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
    tbody,
  );
  const element = h('section', { 'aria-labelledby': 'streams-title' }, h('h2', { id: 'streams-title' }, 'Live streams'), count, h('div', { class: 'scroll' }, table), empty);

  const update = (snap: ConsoleSnapshot): void => {
    const seen = new Set<string>();
    snap.streams.forEach((s, index) => {
      seen.add(s.path);
      let row = rows.get(s.path);
      if (row === undefined) {
        const link = h('a', { href: streamHref(s.path) });
        const tds = COLUMNS.map((_, i) => (i === 0 ? h('th', { scope: 'row' }, link) : h('td')) as HTMLTableCellElement);
        const tr = h('tr', { 'data-stream': s.path }, ...tds);
        row = { tr, tds };
        rows.set(s.path, row);
      }
      const text = cells(s, snap.server.now);
      text.forEach((t, i) => setText(i === 0 ? row!.tds[0]!.firstElementChild! : row!.tds[i]!, t));
      if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] ?? null);
    });
    for (const [path, row] of rows) {
      if (!seen.has(path)) {
        row.tr.remove();
        rows.delete(path);
      }
    }
    setText(count, `${snap.streams.length} live stream${snap.streams.length === 1 ? '' : 's'}, ${snap.streams.reduce((n, s) => n + s.readers, 0)} viewers`);
    const host = location.hostname;
    if (snap.streams.length === 0) {
      table.hidden = true;
      replace(empty, 'Nothing is live. Publish with: ', h('code', {}, `ffmpeg -re -i input.mp4 -c copy -f flv rtmp://USER:PASSWORD@${host}:${snap.server.ports.rtmp ?? 1935}/live/STREAM`));
    } else {
      table.hidden = false;
      replace(empty);
    }
  };
  const first = ctx.snapshot();
  if (first) update(first);
  return { element, update };
}
