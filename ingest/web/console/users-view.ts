import { parseWowzaPasswordFile } from '#cli/parse-wowza-password-file.js';
import { ApiFailure, failureText } from './console-client.js';
import { h, panelForm, replace, type Child } from './dom.js';
import type { User } from '#domain/user.js';
import type { View, ViewContext } from './view.js';

/** Pages of 100 read at most (10 000 users); the search filters what was read. */
const MAX_PAGES = 100;

/** `a, b c` → `['a', 'b', 'c']`. */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== '');
}

function field(label: string, input: HTMLInputElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
}

/** The path of one user's resource. */
function userPath(name: string, rest = ''): string {
  return `users/${encodeURIComponent(name)}${rest}`;
}

/**
 * Users: the list (search by name or grant), add (the API's password rules and messages), and per
 * user: edit grants and IP ranges, revoke one grant, enable/disable, set a password, remove.
 * Import of a Wowza `publish.password` file creates one user per line (existing ones are left as
 * they are), with an optional publish grant where `{user}` stands for the name. Passwords go to
 * the API only; nothing the API answers contains one.
 */
export function usersView(ctx: ViewContext): View {
  let users: User[] = [];
  const list = h('div', { class: 'scroll' });
  const search = h('input', { type: 'search', placeholder: 'name or grant', 'aria-label': 'Search users' });
  const formError = h('p', { class: 'error', role: 'alert' });
  const editor = h('div');

  const load = async (): Promise<void> => {
    const all: User[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await ctx.client.get<{ users: User[]; nextCursor?: string }>(`users?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        all.push(...r.users);
        cursor = r.nextCursor;
        if (cursor === undefined) break;
      }
    } catch (err) {
      replace(list, h('p', { class: 'error', role: 'alert' }, `Users could not be read: ${failureText(err)}`));
      return;
    }
    users = all.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
    render();
  };

  const run = async (what: () => Promise<unknown>, done: string, errorSlot?: HTMLElement): Promise<boolean> => {
    try {
      await what();
      ctx.announce(done);
      if (errorSlot) replace(errorSlot);
      await load();
      return true;
    } catch (err) {
      const text = failureText(err);
      if (errorSlot) replace(errorSlot, text);
      ctx.announce(text, 'error');
      return false;
    }
  };

  const grantChips = (u: User, kind: 'publish' | 'play'): Child => {
    const grants = u.grants[kind];
    if (grants.length === 0) return h('span', { class: 'muted' }, 'none');
    return h(
      'ul',
      { class: 'chips' },
      ...grants.map((g) =>
        h(
          'li',
          {},
          h('code', {}, g),
          h('button', {
            type: 'button',
            class: 'chip-x',
            'aria-label': `Revoke ${kind} ${g} from ${u.name}`,
            title: `Revoke ${kind} ${g}`,
            onclick: () => {
              if (window.confirm(`Revoke ${kind} ${g} from ${u.name}?`)) {
                void run(() => ctx.client.send('POST', userPath(u.name, '/grants/revoke'), { [kind]: [g] }), `Revoked ${kind} ${g} from ${u.name}.`);
              }
            },
          }, '×'),
        ),
      ),
    );
  };

  const editUser = (u: User): void => {
    const publish = h('input', { value: u.grants.publish.join(', '), 'aria-label': 'Publish patterns' });
    const play = h('input', { value: u.grants.play.join(', '), 'aria-label': 'Play patterns' });
    const ipRanges = h('input', { value: u.ipRanges.join(', '), 'aria-label': 'IP ranges' });
    const password = h('input', { type: 'password', autocomplete: 'new-password', 'aria-label': 'New password' });
    const error = h('p', { class: 'error', role: 'alert' });
    const save = (e: Event) => {
      e.preventDefault();
      void run(
        () => ctx.client.send('PATCH', userPath(u.name), { grants: { publish: splitList(publish.value), play: splitList(play.value) }, ipRanges: splitList(ipRanges.value), version: u.version }),
        `Saved ${u.name}.`,
        error,
      ).then((ok) => ok && replace(editor));
    };
    const setPassword = (e: Event) => {
      e.preventDefault();
      void run(() => ctx.client.send('PUT', userPath(u.name, '/password'), { password: password.value }), `Password of ${u.name} changed.`, error).then((ok) => {
        password.value = '';
        if (ok) replace(editor);
      });
    };
    replace(
      editor,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'edit-title' },
        h('h3', { id: 'edit-title' }, `Edit ${u.name}`),
        h(
          'form',
          { onsubmit: save },
          field('Publish', publish, 'stream patterns, comma-separated: live/cam1, live/*'),
          field('Play', play, 'patterns; * = every stream'),
          field('IP ranges', ipRanges, 'CIDRs; empty = from anywhere'),
          h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save grants'), h('button', { type: 'button', onclick: () => replace(editor) }, 'Cancel')),
        ),
        h('form', { onsubmit: setPassword }, field('New password', password), h('button', { type: 'submit' }, 'Set password')),
        error,
      ),
    );
    publish.focus();
  };

  const render = (): void => {
    const q = search.value.trim().toLowerCase();
    const shown = q === '' ? users : users.filter((u) => u.name.toLowerCase().includes(q) || [...u.grants.publish, ...u.grants.play].some((g) => g.toLowerCase().includes(q)));
    if (shown.length === 0) {
      replace(list, h('p', { class: 'empty' }, users.length === 0 ? 'No users yet.' : 'No user matches.'));
      return;
    }
    replace(
      list,
      h(
        'table',
        { class: 'data', 'aria-label': 'Users' },
        h('thead', {}, h('tr', {}, ...['Name', 'State', 'Publish', 'Play', 'IP ranges', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          ...shown.map((u) =>
            h(
              'tr',
              { 'data-user': u.name },
              h('th', { scope: 'row' }, u.name),
              h('td', {}, u.enabled ? 'enabled' : h('strong', {}, 'disabled')),
              h('td', {}, grantChips(u, 'publish')),
              h('td', {}, grantChips(u, 'play')),
              h('td', {}, u.ipRanges.length === 0 ? 'anywhere' : u.ipRanges.join(', ')),
              h(
                'td',
                { class: 'actions' },
                h('button', { type: 'button', onclick: () => editUser(u), 'aria-label': `Edit ${u.name}` }, 'Edit'),
                h('button', {
                  type: 'button',
                  'aria-label': `${u.enabled ? 'Disable' : 'Enable'} ${u.name}`,
                  onclick: () => void run(() => ctx.client.send('POST', userPath(u.name, u.enabled ? '/disable' : '/enable')), `${u.name} ${u.enabled ? 'disabled' : 'enabled'}.`),
                }, u.enabled ? 'Disable' : 'Enable'),
                h('button', {
                  type: 'button',
                  class: 'danger',
                  'aria-label': `Remove ${u.name}`,
                  onclick: () => {
                    if (window.confirm(`Remove user ${u.name}? Their publishers are refused from their next connection.`)) {
                      void run(() => ctx.client.send('DELETE', userPath(u.name)), `Removed ${u.name}.`);
                    }
                  },
                }, 'Remove'),
              ),
            ),
          ),
        ),
      ),
    );
  };
  search.addEventListener('input', render);

  // Add a user.
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', 'aria-label': 'Name' });
  const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', 'aria-label': 'Password' });
  const publish = h('input', { name: 'publish', placeholder: 'live/cam1', 'aria-label': 'Publish patterns' });
  const play = h('input', { name: 'play', placeholder: '*', 'aria-label': 'Play patterns' });
  const ipRanges = h('input', { name: 'ipRanges', placeholder: '203.0.113.0/24', 'aria-label': 'IP ranges' });
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: true });
  const addForm = panelForm(
    'add-title',
    () => {
      const body = {
        name: name.value.trim(),
        password: password.value,
        enabled: enabled.checked,
        grants: { publish: splitList(publish.value), play: splitList(play.value) },
        ipRanges: splitList(ipRanges.value),
      };
      void run(() => ctx.client.send('POST', 'users', body), `Added ${body.name}.`, formError).then((ok) => {
        password.value = '';
        if (ok) for (const i of [name, publish, play, ipRanges]) i.value = '';
      });
    },
    h('h3', { id: 'add-title' }, 'Add a user'),
    h('div', { class: 'grid' },
      field('Name', name, 'letters, digits, . _ -'),
      field('Password', password, '8+ characters, not a common one, not the name'),
      field('Publish', publish, 'patterns, comma-separated'),
      field('Play', play, 'patterns; * = every stream'),
      field('IP ranges', ipRanges, 'empty = from anywhere'),
      h('label', { class: 'check' }, enabled, ' Enabled'),
    ),
    h('button', { type: 'submit' }, 'Add user'),
    formError,
  );

  // Import a Wowza publish.password file.
  const file = h('input', { type: 'file', accept: '.password,.txt,text/plain', 'aria-label': 'Wowza publish.password file' });
  const template = h('input', { placeholder: 'live/{user}', 'aria-label': 'Publish grant for each imported user' });
  const report = h('ul', { class: 'report', 'aria-live': 'polite' });
  const importForm = panelForm(
    'import-title',
    () => void importFile(),
    h('h3', { id: 'import-title' }, 'Import a Wowza publish.password file'),
    h('div', { class: 'grid' }, field('File', file, "one 'user password' per line"), field('Publish grant', template, 'optional; {user} is the user name')),
    h('button', { type: 'submit' }, 'Import'),
    report,
  );
  const importFile = async (): Promise<void> => {
    const f = file.files?.[0];
    if (!f) {
      replace(report, h('li', { class: 'error' }, 'Choose a file first.'));
      return;
    }
    const { entries, rejected } = parseWowzaPasswordFile(await f.text());
    const lines: Child[] = rejected.map((r) => h('li', { class: 'error' }, `line ${r.line}: rejected: ${r.reason}`));
    let created = 0;
    for (const entry of entries) {
      const grant = template.value.trim().split('{user}').join(entry.name);
      try {
        await ctx.client.send('POST', 'users', { name: entry.name, password: entry.password, grants: { publish: grant ? [grant] : [], play: [] } });
        created++;
        lines.push(h('li', {}, `line ${entry.line}: created ${entry.name}${grant ? ` (publish ${grant})` : ''}`));
      } catch (err) {
        if (err instanceof ApiFailure && (err.status === 401 || err.status === 429 || err.status === 0)) throw err;
        const exists = err instanceof ApiFailure && err.code === 'user_exists';
        lines.push(h('li', { class: exists ? '' : 'error' }, `line ${entry.line}: ${exists ? `${entry.name} exists, left as is` : `rejected: ${entry.name}: ${failureText(err)}`}`));
      }
    }
    lines.push(h('li', {}, h('strong', {}, `Imported ${created} of ${entries.length + rejected.length} lines.`)));
    replace(report, ...lines);
    await load();
  };

  const element = h(
    'section',
    { 'aria-labelledby': 'users-title' },
    h('h2', { id: 'users-title' }, 'Users'),
    h('div', { class: 'toolbar' }, search, h('button', { type: 'button', onclick: () => void load() }, 'Reload')),
    list,
    editor,
    addForm,
    importForm,
  );
  void load();
  return { element };
}
