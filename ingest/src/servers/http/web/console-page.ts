/** Where the console page loads its script and style sheet (versioned `/web/…` URLs). */
export interface ConsolePageOptions {
  readonly scriptUrl: string;
  readonly styleUrl: string;
}

/**
 * What the console page may do (sent as Content-Security-Policy): scripts and styles from this
 * origin only, no inline script, calls to this origin only, media from this origin and the blob:
 * URLs Media Source Extensions use, never framed. With every text of the server rendered as text
 * nodes, a stream or user name cannot become markup, and if one did it could not run.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of the console page. */
export const CONSOLE_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-cache',
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

function attribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The console's HTML (`GET /console`): an empty shell that `/web/console.js` fills (login form
 * first). Nothing of the server's state is in it, so it is the same for everyone and needs no
 * token.
 */
export function consolePage(options: ConsolePageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>streamgate console</title>
<link rel="stylesheet" href="${attribute(options.styleUrl)}">
<script defer src="${attribute(options.scriptUrl)}"></script>
</head>
<body>
<div id="app"><noscript>The streamgate console needs JavaScript.</noscript></div>
</body>
</html>
`;
}
