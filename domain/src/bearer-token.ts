import { ConfigError } from './errors.js';

/**
 * What a Bearer credential may hold (RFC 6750 §2.1 `b64token`: letters, digits and `-._~+/`,
 * then `=` padding). Hono's bearerAuth matches exactly this and answers 401 to anything else,
 * so a token outside it can never be accepted, however it is sent.
 */
export const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Refuses, at start-up, a token the functions' bearer check could never accept: ConfigError
 * `bad_bearer_token` naming `source` (the variable, flag or file it came from) and the rule,
 * never the value. Returns the token.
 */
export function checkBearerToken(token: string, source: string): string {
  if (BEARER_TOKEN.test(token)) return token;
  throw new ConfigError(
    'bad_bearer_token',
    `${source} is not a usable bearer token: only letters, digits and -._~+/ (then = padding) are allowed, no spaces or quotes (RFC 6750), and every request with it would get 401; generate one with: openssl rand -base64 32`,
    { variable: source },
  );
}
