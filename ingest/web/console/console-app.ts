import { ApiFailure, ConsoleClient, failureText } from './console-client.js';
import { h, panelForm, replace, setText } from './dom.js';
import { relaysView } from './relays-view.js';
import { serverView } from './server-view.js';
import { streamDetailView } from './stream-detail-view.js';
import { streamsView } from './streams-view.js';
import type { ConsoleSnapshot } from '#domain/console-api.js';
import { usersView } from './users-view.js';
import type { View, ViewContext } from './view.js';

/** How often the live numbers are read. */
const POLL_MS = 1000;

const PAGES = [
  ['streams', 'Streams'],
  ['users', 'Users'],
  ['relays', 'Relays'],
  ['server', 'Server'],
] as const;

/**
 * The console shell: the login form (admin token, kept for the tab only), then a header with the
 * pages, a main region showing the page named by the URL fragment (`#/streams`,
 * `#/streams/APP/STREAM`, `#/users`, `#/relays`, `#/server`), a live region for what happened,
 * and the snapshot read every second (polling with the token in a header: an EventSource cannot
 * send one, and the token never goes into a URL).
 */
export class ConsoleApp {
  private readonly client: ConsoleClient;
  private readonly main = h('main', { id: 'main', tabindex: -1 });
  private readonly notice = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  private readonly freshness = h('span', { class: 'muted' });
  private readonly nav = h('nav', { 'aria-label': 'Console pages' });
  private view: View | undefined;
  private snapshot: ConsoleSnapshot | undefined;
  private timer: number | undefined;
  private polling = false;

  constructor(private readonly root: HTMLElement) {
    this.client = new ConsoleClient(() => this.showLogin('Your session ended: log in again.'));
  }

  start(): void {
    window.addEventListener('hashchange', () => {
      this.route();
      // A new page: keyboard and screen-reader users continue from its start, not from the link.
      this.main.focus();
    });
    if (this.client.loggedIn) this.showConsole();
    else this.showLogin();
  }

  private announce = (text: string, kind: 'info' | 'error' = 'info'): void => {
    this.notice.className = `notice ${kind}`;
    setText(this.notice, text);
  };

  private showLogin(message?: string): void {
    this.stopPolling();
    this.view?.close?.();
    this.view = undefined;
    const token = h('input', { type: 'password', id: 'token', name: 'token', required: true, autocomplete: 'off', spellcheck: 'false' });
    const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
    const button = h('button', { type: 'submit' }, 'Log in');
    const form = panelForm(
      'login-title',
      () => {
        button.disabled = true;
        replace(error);
        this.client.login(token.value.trim()).then(
          () => this.showConsole(),
          (err: unknown) => {
            button.disabled = false;
            token.value = '';
            token.focus();
            replace(error, err instanceof ApiFailure && err.status === 401 ? 'Wrong admin token.' : failureText(err));
          },
        );
      },
      h('h1', { id: 'login-title' }, 'streamgate console'),
      h('label', { for: 'token' }, 'Admin token'),
      token,
      h('p', { class: 'muted' }, 'Locally: the file admin-token in the data directory (.data/admin-token). In AWS: the AdminTokenSecret output of the api stack. It is kept for this tab only.'),
      button,
      error,
    );
    form.classList.add('login');
    replace(this.root, h('main', { class: 'center' }, form));
    token.focus();
  }

  private showConsole(): void {
    const logout = h('button', { type: 'button', class: 'link', onclick: () => {
      this.client.logout();
      this.showLogin('Logged out.');
    } }, 'Log out');
    replace(
      this.root,
      h('a', { href: '#main', class: 'skip' }, 'Skip to content'),
      h('header', {}, h('strong', { class: 'brand' }, 'streamgate'), this.nav, h('div', { class: 'session' }, this.freshness, logout)),
      this.notice,
      this.main,
    );
    if (location.hash === '' || location.hash === '#') history.replaceState(null, '', '#/streams');
    this.route();
    this.startPolling();
  }

  private route(): void {
    if (!this.client.loggedIn) return;
    const parts = location.hash.replace(/^#\/?/, '').split('/').map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    const [page = 'streams', ...rest] = parts;
    const ctx: ViewContext = { client: this.client, snapshot: () => this.snapshot, announce: this.announce };
    this.view?.close?.();
    // What happened on the last page is not news on this one.
    this.announce('');
    if (page === 'streams' && rest.length >= 2) this.view = streamDetailView(ctx, rest.join('/'));
    else if (page === 'users') this.view = usersView(ctx);
    else if (page === 'relays') this.view = relaysView(ctx);
    else if (page === 'server') this.view = serverView(ctx);
    else this.view = streamsView(ctx);
    const current = PAGES.some(([p]) => p === page) ? page : 'streams';
    replace(this.nav, h('ul', {}, ...PAGES.map(([p, label]) => h('li', {}, h('a', { href: `#/${p}`, 'aria-current': p === current ? 'page' : undefined }, label)))));
    replace(this.main, this.view.element);
    document.title = `${PAGES.find(([p]) => p === current)![1]} · streamgate console`;
  }

  private startPolling(): void {
    this.stopPolling();
    const poll = async (): Promise<void> => {
      if (this.polling || !this.client.loggedIn) return;
      this.polling = true;
      try {
        this.snapshot = await this.client.get<ConsoleSnapshot>('snapshot');
        setText(this.freshness, `updated ${new Date().toLocaleTimeString()}`);
        this.freshness.classList.remove('error');
        this.view?.update?.(this.snapshot);
      } catch (err) {
        setText(this.freshness, `not updating: ${failureText(err)}`);
        this.freshness.classList.add('error');
      } finally {
        this.polling = false;
      }
    };
    void poll();
    this.timer = window.setInterval(() => void poll(), POLL_MS);
  }

  private stopPolling(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
  }
}
