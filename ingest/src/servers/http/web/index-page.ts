/** Options of the player page served at `/`. */
export interface IndexPageOptions {
  /**
   * Where the page loads hls.js from (a CDN URL online, or a path the server serves when an
   * operator provides the file). Without it the page uses the browser's native HLS only.
   */
  readonly hlsJsUrl?: string;
  /** Default application name in the form. */
  readonly defaultApp?: string;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The player script: a plain-JS function body over `window` and `document` (kept as text, not
 * compiled, so what the browser runs is exactly this; tests run it against stub DOM objects). It
 * plays `/APP/STREAM/index.m3u8` with hls.js when loaded, else natively (Safari, iOS, Android,
 * recent Chrome), else says how to play the stream with ffplay or VLC over HTTP-FLV.
 */
export const PLAYER_SCRIPT = `
  var video = document.getElementById('video');
  var status = document.getElementById('status');
  var form = document.getElementById('form');
  var params = new window.URLSearchParams(window.location.search);
  if (params.get('app')) form.elements.app.value = params.get('app');
  if (params.get('stream')) form.elements.stream.value = params.get('stream');
  var hls = null;
  function play() {
    var app = String(form.elements.app.value).trim();
    var stream = String(form.elements.stream.value).trim();
    if (!app || !stream) {
      status.textContent = 'Enter an application and a stream name.';
      return;
    }
    var base = '/' + encodeURIComponent(app) + '/' + encodeURIComponent(stream);
    var m3u8 = base + '/index.m3u8';
    if (hls) {
      hls.destroy();
      hls = null;
    }
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls();
      hls.loadSource(m3u8);
      hls.attachMedia(video);
      status.textContent = 'Playing ' + m3u8 + ' with hls.js';
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = m3u8;
      status.textContent = 'Playing ' + m3u8 + ' with native HLS';
    } else {
      status.textContent = 'This browser has no native HLS and hls.js is not loaded. Play it with: ffplay ' +
        window.location.origin + base + '.flv (or open that URL in VLC).';
      return;
    }
    var p = video.play();
    if (p && p.catch) p.catch(function () { status.textContent += ' (press play)'; });
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    play();
  });
  if (params.get('stream')) play();
`;

/** The HTML of the player page (served as `text/html; charset=utf-8`). */
export function indexPage(options: IndexPageOptions = {}): string {
  const hlsTag = options.hlsJsUrl ? `<script src="${escapeAttribute(options.hlsJsUrl)}"></script>\n` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>streamgate player</title>
<style>
body { font: 16px system-ui, sans-serif; margin: 2rem auto; max-width: 960px; padding: 0 1rem; }
video { width: 100%; background: #000; aspect-ratio: 16 / 9; }
form { display: flex; gap: .5rem; margin: 1rem 0; }
input { flex: 1; padding: .4rem; }
#status { color: #555; min-height: 1.5em; }
</style>
${hlsTag}</head>
<body>
<h1>streamgate</h1>
<form id="form">
<input name="app" value="${escapeAttribute(options.defaultApp ?? 'live')}" aria-label="application">
<input name="stream" placeholder="stream name" aria-label="stream">
<button type="submit">Play</button>
</form>
<video id="video" controls muted playsinline></video>
<p id="status"></p>
<script>
(function (window, document) {${PLAYER_SCRIPT}})(window, document);
</script>
</body>
</html>
`;
}
