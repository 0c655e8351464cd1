import { failureText } from './console-client.js';
import { h, replace, setText } from './dom.js';
import { formatBitrate, formatBytes, formatDuration, formatTime } from './format.js';
import { sparkline } from './sparkline.js';
import type { ConsoleSnapshot, ConsoleTask, ServerSample } from '#domain/console-api.js';
import type { View, ViewContext } from './view.js';

interface Connection {
  readonly id: string;
  readonly protocol: string;
  readonly remoteAddress: string;
  readonly since: number;
  readonly role?: string;
  readonly stream?: string;
  readonly user?: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

const REFRESH_MS = 2000;

function table(label: string, head: readonly string[], rows: readonly (readonly (string | Node)[])[]): HTMLElement {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'data', 'aria-label': label },
      h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))),
    ),
  );
}

/** The tasks of a cluster (heading and table), or nothing on a single ingest. */
function clusterTasks(snap: ConsoleSnapshot): HTMLElement[] {
  const tasks = snap.cluster?.tasks;
  if (tasks === undefined) return [];
  const state = (t: ConsoleTask): string => (t.self ? 'this task' : !t.reachable ? 'not answering' : t.draining ? 'draining' : 'up');
  return [
    h('h3', {}, `Cluster tasks (${tasks.length})`),
    table(
      'Cluster tasks',
      ['Task', 'Address', 'State', 'Up', 'Streams published', 'Connections', 'In', 'Out', 'RSS'],
      tasks.map((t) => [
        t.id, t.address, state(t), formatDuration(snap.server.now - t.startedAt), String(t.streams ?? '–'), String(t.connections ?? '–'),
        t.inBps === undefined ? '–' : formatBitrate(t.inBps), t.outBps === undefined ? '–' : formatBitrate(t.outBps), t.rssBytes === undefined ? '–' : formatBytes(t.rssBytes),
      ]),
    ),
  ];
}

/**
 * The server: version and uptime, listeners and their ports, connections by protocol, auth
 * decisions and failures in the last minute, memory, event-loop delay, traffic, their sparklines
 * over the last minutes, and every open connection with a kick button.
 */
export function serverView(ctx: ViewContext): View {
  const facts = h('div');
  const charts = h('div', { class: 'charts' });
  const connections = h('div');
  let samples: readonly ServerSample[] = [];

  const kick = (id: string): void => {
    if (!window.confirm(`Close connection ${id}?`)) return;
    ctx.client.send('POST', 'connections/kick', { id }).then(
      () => ctx.announce(`Connection ${id} closed.`),
      (err: unknown) => ctx.announce(failureText(err), 'error'),
    );
  };

  const connectionsTitle = h('h3', {}, 'Open connections');
  const render = (snap: ConsoleSnapshot): void => {
    const s = snap.server;
    setText(connectionsTitle, snap.cluster !== undefined ? 'Open connections on this task' : 'Open connections');
    const failures = s.authLastMinute.denied + s.authLastMinute.errors;
    replace(
      facts,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Version'), h('dd', {}, s.version),
        h('dt', {}, 'Up'), h('dd', {}, `${formatDuration(s.now - s.startedAt)} (since ${formatTime(s.startedAt)})${s.draining ? ' — draining' : ''}`),
        s.clusterTask ? h('dt', {}, 'Cluster task') : null, s.clusterTask ? h('dd', {}, s.clusterTask) : null,
        h('dt', {}, 'Publish auth / play auth'), h('dd', {}, `${s.publishAuth} / ${s.playAuth}`),
        h('dt', {}, 'Auth, last minute'), h('dd', {}, `${s.authLastMinute.allowed} allowed, ${s.authLastMinute.denied} denied, ${s.authLastMinute.errors} errors (${failures} failures/min)`),
        h('dt', {}, 'Auth since start'), h('dd', {}, `${s.authTotal.allowed} allowed, ${s.authTotal.denied} denied, ${s.authTotal.errors} errors`),
        h('dt', {}, 'Memory'), h('dd', {}, `RSS ${formatBytes(s.memory.rssBytes)}, heap ${formatBytes(s.memory.heapUsedBytes)} of ${formatBytes(s.memory.heapTotalBytes)}, buffers ${formatBytes(s.memory.externalBytes)}`),
        h('dt', {}, 'Event-loop delay'), h('dd', {}, `p99 ${s.eventLoop.p99Ms} ms, max ${s.eventLoop.maxMs} ms`),
        h('dt', {}, 'Traffic'), h('dd', {}, `in ${formatBitrate(s.inBps)}, out ${formatBitrate(s.outBps)}`),
      ),
      ...clusterTasks(snap),
      h('h3', {}, 'Listeners'),
      table('Listeners', ['Listener', 'Port'], Object.entries(s.ports).sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, p]) => [n, String(p)])),
      h('h3', {}, `Connections by protocol (${s.connections})`),
      table('Connections by protocol', ['Protocol', 'Open'], Object.entries(s.connectionsByProtocol).sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, c]) => [n, String(c)])),
    );
  };

  const drawCharts = (): void => {
    const chart = (values: number[], label: string, now: string) => h('figure', {}, sparkline(values, `${label}: now ${now}`), h('figcaption', {}, `${label} (${now})`));
    const last = samples[samples.length - 1];
    replace(
      charts,
      chart(samples.map((x) => x.connections), 'Connections', String(last?.connections ?? 0)),
      chart(samples.map((x) => x.inBps), 'Traffic in', formatBitrate(last?.inBps ?? 0)),
      chart(samples.map((x) => x.outBps), 'Traffic out', formatBitrate(last?.outBps ?? 0)),
      chart(samples.map((x) => x.authDenied + x.authErrors), 'Auth failures per 2 s', String((last?.authDenied ?? 0) + (last?.authErrors ?? 0))),
      chart(samples.map((x) => x.eventLoopP99Ms), 'Event-loop delay p99', `${last?.eventLoopP99Ms ?? 0} ms`),
      chart(samples.map((x) => x.rssBytes), 'Memory (RSS)', formatBytes(last?.rssBytes ?? 0)),
    );
  };

  const refresh = async (): Promise<void> => {
    try {
      const [history, conns] = await Promise.all([
        ctx.client.get<{ samples: ServerSample[] }>('history'),
        ctx.client.get<{ connections: Connection[] }>('connections'),
      ]);
      samples = history.samples;
      drawCharts();
      const now = Date.now();
      replace(
        connections,
        table(
          'Open connections',
          ['Id', 'Protocol', 'From', 'Role', 'Stream', 'User', 'Open for', 'In', 'Out', ''],
          conns.connections.map((c) => [
            c.id, c.protocol, c.remoteAddress, c.role ?? '–', c.stream ?? '–', c.user ?? '–', formatDuration(now - c.since), formatBytes(c.bytesIn), formatBytes(c.bytesOut),
            h('button', { type: 'button', class: 'danger', 'aria-label': `Kick connection ${c.id}`, onclick: () => kick(c.id) }, 'Kick'),
          ]),
        ),
      );
    } catch (err) {
      replace(connections, h('p', { class: 'error' }, failureText(err)));
    }
  };
  void refresh();
  const timer = window.setInterval(() => void refresh(), REFRESH_MS);
  const element = h('section', { 'aria-labelledby': 'server-title' }, h('h2', { id: 'server-title' }, 'Server'), facts, charts, connectionsTitle, connections);
  const first = ctx.snapshot();
  if (first) render(first);
  return { element, update: render, close: () => window.clearInterval(timer) };
}
