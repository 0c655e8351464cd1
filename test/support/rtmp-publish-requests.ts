import type { AuthorizeRequest, Credentials } from '#ingest/auth/authorizer.js';

/** A user name and password as an RTMP publisher gives them in the app query. */
export const appQueryPassword = (user: string, password: string): Credentials => ({ kind: 'password', user, password, source: 'app-query' });

/** Builds RTMP publish requests to app `live` for the authorizer, from `defaultIp` unless another is given. */
export function rtmpPublishRequests(defaultIp: string): (stream: string, credentials: Credentials, ip?: string) => AuthorizeRequest {
  return (stream, credentials, ip = defaultIp) => ({ action: 'publish', protocol: 'rtmp', app: 'live', stream, ip, credentials });
}
