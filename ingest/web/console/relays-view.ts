import { failureText } from './console-client.js';
import { h, panelForm, replace } from './dom.js';
import { formatBytes, formatDuration, formatTime } from './format.js';
import { splitList } from './users-view.js';
import type { ConsoleSnapshot, RelayStatus } from '#domain/console-api.js';
import type { RelayView } from '#domain/relay.js';
import type { View, ViewContext } from './view.js';

function statusLine(s: RelayStatus, now: number): string {
  const parts = [`${s.direction} ${s.url}`, s.state];
  if (s.liveSince !== undefined) parts.push(`live ${formatDuration(now - s.liveSince)}`);
  // Standing by in a cluster: another task holds the stream and pulls it.
  if (s.heldBy !== undefined) parts.push(`held by ${s.heldBy}`);
  if (s.retryAt !== undefined) parts.push(`${s.state === 'standby' ? 'next look' : 'next try'} ${formatTime(s.retryAt)}`);
  parts.push(`${formatBytes(s.bytes)}, ${s.connects} connects, ${s.failures} failures`);
  return parts.join(' · ');
}

/**
 * Relays: the managed relays (relays API, URLs redacted) each with the live state of its targets
 * or source on this ingest (connecting, live, retrying…) and the last error as text; add (push to
 * one or more URLs, or pull on demand / always), turn off and on, remove. The ingest reads changes within
 * STREAMGATE_RELAY_POLL_SECONDS. Turning a relay off keeps it but stops it (the ingest is not
 * given it); on runs it again.
 */
export function relaysView(ctx: ViewContext): View {
  let relays: RelayView[] = [];
  let unavailable: string | undefined;
  const list = h('div');
  const error = h('p', { class: 'error', role: 'alert' });

  const load = async (): Promise<void> => {
    try {
      relays = (await ctx.client.get<{ relays: RelayView[] }>('relays')).relays;
      unavailable = undefined;
    } catch (err) {
      unavailable = failureText(err);
    }
    render(ctx.snapshot());
  };

  const render = (snap: ConsoleSnapshot | undefined): void => {
    if (unavailable !== undefined) {
      replace(list, h('p', { class: 'error', role: 'alert' }, `Relays could not be read: ${unavailable}`));
      return;
    }
    if (relays.length === 0) {
      replace(list, h('p', { class: 'empty' }, 'No managed relays.'));
      return;
    }
    const statuses = snap?.relays ?? [];
    const now = snap?.server.now ?? Date.now();
    replace(
      list,
      h(
        'ul',
        { class: 'relays' },
        ...relays.map((r) => {
          const mine = statuses.filter((s) => s.relay === r.id);
          const off = r.enabled === false;
          return h(
            'li',
            { class: 'panel', 'data-relay': r.id },
            h('h3', {}, `${r.stream} ${r.push ? '→ push' : `← pull (${r.mode ?? 'on-demand'})`}${off ? ' (disabled)' : ''}`),
            h('p', { class: 'muted' }, `id ${r.id}${r.owner ? `, owner ${r.owner}` : ''}, added ${r.createdAt}`),
            h('ul', {}, ...(r.push ?? (r.pull ? [r.pull] : [])).map((u) => h('li', {}, h('code', {}, u)))),
            mine.length === 0
              ? h('p', { class: 'muted' }, off ? 'Turned off: kept, not run.' : 'Not running on this ingest (no live stream for it yet, or not read yet).')
              : h(
                  'ul',
                  { class: 'states' },
                  ...mine.map((s) =>
                    h(
                      'li',
                      {},
                      h('span', { class: `state state-${s.state}` }, s.state),
                      ' ',
                      statusLine(s, now),
                      s.lastError ? h('p', { class: 'error' }, `last error ${s.lastError.code} at ${formatTime(s.lastError.at)}: ${s.lastError.message}`) : null,
                    ),
                  ),
                ),
            h('button', {
              type: 'button',
              'aria-label': `${off ? 'Enable' : 'Disable'} relay ${r.id}`,
              onclick: () =>
                void ctx.client.send('POST', `relays/${encodeURIComponent(r.id)}/${off ? 'enable' : 'disable'}`).then(
                  () => {
                    ctx.announce(`Relay ${r.id} ${off ? 'enabled' : 'disabled'}; the ingest applies it within its poll interval.`);
                    void load();
                  },
                  (err: unknown) => ctx.announce(failureText(err), 'error'),
                ),
            }, off ? 'Enable' : 'Disable'),
            ' ',
            h('button', {
              type: 'button',
              class: 'danger',
              'aria-label': `Remove relay ${r.id}`,
              onclick: () => {
                if (!window.confirm(`Remove the relay of ${r.stream}?`)) return;
                void ctx.client.send('DELETE', `relays/${encodeURIComponent(r.id)}`).then(
                  () => {
                    ctx.announce(`Relay ${r.id} removed.`);
                    void load();
                  },
                  (err: unknown) => ctx.announce(failureText(err), 'error'),
                );
              },
            }, 'Remove'),
          );
        }),
      ),
    );
  };

  const stream = h('input', { required: true, placeholder: 'live/cam1 or live/*', 'aria-label': 'Stream' });
  const direction = h('select', { 'aria-label': 'Direction' }, h('option', { value: 'push' }, 'push to'), h('option', { value: 'pull' }, 'pull from'));
  const urls = h('textarea', { rows: 2, required: true, placeholder: 'rtmp://other.example/live/KEY', 'aria-label': 'URLs' });
  const mode = h('select', { 'aria-label': 'Pull mode' }, h('option', { value: 'on-demand' }, 'on demand'), h('option', { value: 'always' }, 'always'));
  const owner = h('input', { placeholder: 'optional user', 'aria-label': 'Owner' });
  const form = panelForm(
    'relay-add-title',
    () => {
      const list = splitList(urls.value);
      const body = {
        stream: stream.value.trim(),
        ...(direction.value === 'push' ? { push: list } : { pull: list[0] ?? '', mode: mode.value }),
        ...(owner.value.trim() ? { owner: owner.value.trim() } : {}),
      };
      void ctx.client.send('POST', 'relays', body).then(
        () => {
          replace(error);
          urls.value = '';
          ctx.announce(`Relay for ${body.stream} added.`);
          void load();
        },
        (err: unknown) => {
          replace(error, failureText(err));
          ctx.announce(failureText(err), 'error');
        },
      );
    },
    h('h3', { id: 'relay-add-title' }, 'Add a relay'),
    h(
      'div',
      { class: 'grid' },
      h('label', { class: 'field' }, h('span', {}, 'Stream'), stream),
      h('label', { class: 'field' }, h('span', {}, 'Direction'), direction),
      h('label', { class: 'field' }, h('span', {}, 'URLs'), urls, h('small', { class: 'muted' }, 'push: one or more rtmp(s):// or srt://HOST:PORT?streamid=… URLs; pull: one rtmp://, rtsp://, http(s)://…flv or srt:// URL')),
      h('label', { class: 'field' }, h('span', {}, 'Pull mode'), mode),
      h('label', { class: 'field' }, h('span', {}, 'Owner'), owner, h('small', { class: 'muted' }, 'they must be allowed to publish the stream')),
    ),
    h('button', { type: 'submit' }, 'Add relay'),
    error,
  );
  const element = h('section', { 'aria-labelledby': 'relays-title' }, h('h2', { id: 'relays-title' }, 'Relays'), list, form);
  void load();
  return { element, update: (snap) => render(snap) };
}
