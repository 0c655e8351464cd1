import { playLogin } from './play-login.js';
import { playLogout } from './play-logout.js';
import { chooseEngine, startPlayback } from './start-playback.js';
import { streamUrlPath } from './stream-url-path.js';

/**
 * The player page (`/`): plays `?app=&stream=` (or what the form names) with the engine this
 * browser can use, shows real errors, and logs in as a player first when the server requires it
 * (`<body data-play-auth="required">`). Exposes its state as `window.streamgatePlayer` for tests.
 */
function main(): void {
  const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const video = byId<HTMLVideoElement>('video');
  const form = byId<HTMLFormElement>('form');
  const status = byId<HTMLElement>('status');
  const error = byId<HTMLElement>('error');
  const login = byId<HTMLElement>('login');
  const logout = byId<HTMLButtonElement>('logout');
  const field = (name: string): HTMLInputElement => form.elements.namedItem(name) as HTMLInputElement;
  const playAuth = document.body.dataset.playAuth === 'required';
  login.hidden = !playAuth;

  const params = new URLSearchParams(window.location.search);
  /** What the page showed, last 20 lines (for tests and for a bug report: copy window.streamgatePlayer). */
  const history: string[] = [];
  const state = { engine: chooseEngine(video, params.get('engine')) as string | undefined, status: '', error: '', loggedIn: false, history };
  /** Logged in as far as the page knows: a login it made, or a play the server allowed by the cookie. */
  const setLoggedIn = (on: boolean): void => {
    state.loggedIn = on;
    logout.hidden = !on;
  };
  (window as unknown as { streamgatePlayer: typeof state }).streamgatePlayer = state;
  const remember = (line: string): void => {
    history.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (history.length > 20) history.shift();
  };
  const show = (text: string): void => {
    state.status = status.textContent = text;
    if (text) remember(text);
  };
  const showError = (text: string): void => {
    state.error = error.textContent = text;
    if (text) remember(`error: ${text}`);
    error.hidden = text === '';
  };

  if (params.get('app')) field('app').value = params.get('app')!;
  if (params.get('stream')) field('stream').value = params.get('stream')!;

  let stop: (() => void) | undefined;
  /** The stream of the last Play (the logout goes to its path; the cookie it clears serves every stream). */
  const played = { app: '', stream: '' };
  async function play(): Promise<void> {
    const app = field('app').value.trim();
    const stream = field('stream').value.trim();
    showError('');
    if (!app || !stream) {
      show('Enter an application and a stream name.');
      return;
    }
    stop?.();
    stop = undefined;
    played.app = app;
    played.stream = stream;
    const engine = chooseEngine(video, params.get('engine'));
    state.engine = engine;
    if (engine === undefined) {
      showError(`This browser can play neither HTTP-FLV nor HLS. Play it with: ffplay ${window.location.origin}${streamUrlPath(app, stream)}.flv (or open that URL in VLC).`);
      return;
    }
    if (playAuth && field('password').value !== '') {
      show('Logging in…');
      const result = await playLogin(app, stream, field('user').value.trim(), field('password').value);
      // The password leaves the page once it has been exchanged for the session cookie.
      field('password').value = '';
      setLoggedIn(result.ok);
      if (!result.ok) {
        show('');
        showError(result.message);
        return;
      }
      show(result.message);
    }
    stop = startPlayback(video, app, stream, engine, {
      state: (text) => {
        show(text);
        if (text.startsWith('Playing')) {
          showError('');
          // With play auth on, only the login cookie lets media play.
          if (playAuth) setLoggedIn(true);
        }
      },
      error: (text) => showError(text),
    });
  }

  logout.addEventListener('click', () => {
    void (async () => {
      stop?.();
      stop = undefined;
      video.removeAttribute('src');
      video.load();
      const ok = await playLogout(played.app, played.stream);
      if (ok) {
        setLoggedIn(false);
        showError('');
        show('Logged out.');
      } else showError('Logout failed: the server did not answer; try again.');
    })();
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void play();
  });
  if (params.get('stream') && !playAuth) void play();
  else if (params.get('stream')) show('Log in to play.');
}

main();
