/**
 * `playlist` with `?t=<token>` appended to every segment URI line (RFC 8216 §4.1: a line that is
 * neither blank nor starts with `#` is a URI). The token is URL-safe (digits, `.`, base64url), so
 * it goes in unescaped. A player resolves these relative URIs against the playlist URL, whose own
 * query (the credentials) is thereby replaced, not repeated.
 */
export function hlsTokenizedPlaylist(playlist: string, token: string): string {
  return playlist
    .split('\n')
    .map((line) => {
      const uri = line.trim();
      if (uri === '' || uri.startsWith('#')) return line;
      return `${uri}${uri.includes('?') ? '&' : '?'}t=${token}`;
    })
    .join('\n');
}
