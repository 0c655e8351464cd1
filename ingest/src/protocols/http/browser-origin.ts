import { headerValue, type HttpHeader } from './http-request-parser.js';

/** What a request's fetch metadata says about the page that sent it. */
export interface BrowserOrigin {
  /**
   * A browser sent it from a page of another origin (`Sec-Fetch-Site` other than `same-origin`
   * or `none`, or an `Origin` that is `null` or names another host than `Host`): a state-changing
   * request (the player login and logout) is refused, so no other site can log a viewer in or out.
   */
  readonly crossSite: boolean;
  /**
   * The sending page was reached over HTTPS (`Origin: https://…`). Behind a TLS-terminating load
   * balancer (the AWS stack's 8443) the socket is plain TCP, but the browser still names the
   * page's scheme; a network attacker on plain HTTP cannot change what the viewer's browser sends
   * from an HTTPS page, so a cookie set for such a page can be `Secure`.
   */
  readonly https: boolean;
}

/** `host[:port]` lowercased, with the scheme's default port dropped (RFC 6454 §4 compares them so). */
function normalHost(host: string, scheme: 'http:' | 'https:'): string {
  const lower = host.trim().toLowerCase();
  const defaultPort = scheme === 'https:' ? ':443' : ':80';
  return lower.endsWith(defaultPort) ? lower.slice(0, -defaultPort.length) : lower;
}

/**
 * Reads `Origin`, `Sec-Fetch-Site` and `Host` (RFC 6454 §7, Fetch Metadata). A request with
 * neither `Origin` nor `Sec-Fetch-Site` comes from no browser page (curl, a script): not cross-site,
 * not known to be HTTPS.
 */
export function browserOrigin(headers: readonly HttpHeader[]): BrowserOrigin {
  const site = headerValue(headers, 'Sec-Fetch-Site')?.trim().toLowerCase();
  const siteCross = site !== undefined && site !== 'same-origin' && site !== 'none';
  const origin = headerValue(headers, 'Origin')?.trim();
  if (origin === undefined) return { crossSite: siteCross, https: false };
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    // `null` (an opaque origin: sandboxed frame, data: URL) or garbage: not this origin.
    return { crossSite: true, https: false };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { crossSite: true, https: false };
  const host = headerValue(headers, 'Host');
  const sameHost = host !== undefined && normalHost(url.host, url.protocol) === normalHost(host, url.protocol);
  return { crossSite: siteCross || !sameHost, https: url.protocol === 'https:' };
}
