/** What the player page at `/` needs to know. */
export interface PlayerPageOptions {
  /** URL of the page's script (WebAssets.url('player.js'): versioned, cacheable for good). */
  readonly scriptUrl: string;
  /** Default application name in the form. */
  readonly defaultApp?: string;
  /** STREAMGATE_PLAY_AUTH=required: the page shows its login fields and logs in before playing. */
  readonly playAuth?: boolean;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The HTML of the player page (served as `text/html; charset=utf-8`). The behaviour is in the
 * bundled script (ingest/web/player/): mpegts.js over HTTP-FLV where Media Source Extensions
 * exist, hls.js or the browser's own HLS otherwise, real errors in `#error`, and a player login
 * when `playAuth` is set.
 */
export function playerPage(options: PlayerPageOptions): string {
  const playAuth = options.playAuth === true;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>streamgate player</title>
<style>
body { font: 16px system-ui, sans-serif; margin: 2rem auto; max-width: 960px; padding: 0 1rem; }
video { width: 100%; background: #000; aspect-ratio: 16 / 9; }
form { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
form > input { flex: 1; padding: .4rem; }
#login { display: flex; gap: .5rem; flex-basis: 100%; }
#login[hidden] { display: none; }
#login input { flex: 1; padding: .4rem; }
#status { color: #555; min-height: 1.5em; }
#error { color: #b00020; font-weight: 600; }
</style>
<script src="${escapeHtml(options.scriptUrl)}" defer></script>
</head>
<body data-play-auth="${playAuth ? 'required' : 'none'}">
<h1>streamgate</h1>
<form id="form">
<input name="app" value="${escapeHtml(options.defaultApp ?? 'live')}" aria-label="application">
<input name="stream" placeholder="stream name" aria-label="stream">
<div id="login"${playAuth ? '' : ' hidden'}>
<input name="user" placeholder="user" autocomplete="username" aria-label="user">
<input name="password" type="password" placeholder="password" autocomplete="current-password" aria-label="password">
</div>
<button type="submit">Play</button>
<button type="button" id="logout" hidden>Log out</button>
</form>
<p id="error" role="alert" hidden></p>
<video id="video" controls muted playsinline></video>
<p id="status">${playAuth ? 'This server asks players to log in.' : ''}</p>
</body>
</html>
`;
}
