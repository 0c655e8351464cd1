import { canonicalStream, StreamNameError } from './canonical-stream.js';
import { ValidationError } from './errors.js';
import { parseIp } from './ip-range.js';
import { parseRelayUrl, PULL_SCHEMES, PUSH_SCHEMES, redactRelayUrl, relayAddressRefusal, type RelayUrl } from './relay-url.js';
import { srtEndpoint } from './srt-endpoint.js';

/** Bounds of one relay definition. */
export const RELAY_LIMITS = { pushTargetsMax: 16, idMaxLength: 64 } as const;

/** How a pull source runs. */
export type RelayPullMode = 'on-demand' | 'always';

/** A relay as stored and served to the ingest (URLs in clear: only the ingest and the store see them). */
export interface Relay {
  readonly id: string;
  /** Push: canonical path or pattern with `*`; pull: canonical path. */
  readonly stream: string;
  readonly push?: readonly string[];
  readonly pull?: string;
  readonly mode?: RelayPullMode;
  /** The user on whose behalf the relay was added (their publish grants were checked). */
  readonly owner?: string;
  readonly createdAt: string;
  /** `false`: kept, but not handed to the ingest, so it does not run; absent: it runs. */
  readonly enabled?: false;
}

/** A relay as the admin API and CLI show it: every URL redacted. */
export type RelayView = Omit<Relay, 'push' | 'pull'> & { readonly push?: readonly string[]; readonly pull?: string };

/** The relay with its URLs redacted (stream keys, passwords, queries). */
export function relayView(relay: Relay): RelayView {
  return {
    ...relay,
    ...(relay.push && { push: relay.push.map(redactRelayUrl) }),
    ...(relay.pull !== undefined && { pull: redactRelayUrl(relay.pull) }),
  };
}

/** What a client sends to add a relay. */
export interface RelayInput {
  readonly stream: string;
  readonly push?: readonly string[];
  readonly pull?: string;
  readonly mode?: RelayPullMode;
  readonly owner?: string;
}

/** The SRT parameters the ingest will use (passphrase, pbkeylen, latency, mode), refused when the relay is added rather than when its link starts. */
function checkSrtUrl(url: RelayUrl, field: string): void {
  try {
    srtEndpoint(url);
  } catch (err) {
    throw new ValidationError(field, 'invalid_relay_url', (err as Error).message);
  }
}

function checkUrl(text: unknown, field: string, push: boolean, allowPrivate: boolean): string {
  if (typeof text !== 'string') throw new ValidationError(field, 'invalid_type', `${field} must be a URL string`);
  const url = parseRelayUrl(text, field, push ? PUSH_SCHEMES : PULL_SCHEMES);
  if (push && url.scheme !== 'srt' && !/^\/[^/]+\/.+/.test(url.path)) throw new ValidationError(field, 'invalid_relay_url', 'a push URL needs /APP/STREAM-KEY');
  if (url.scheme === 'srt') checkSrtUrl(url, field);
  // An address literal is checked here already; names are checked on their resolved address at connect time.
  const literal = url.host.replace(/^\[|\]$/g, '');
  if (parseIp(literal) !== undefined) {
    const refusal = relayAddressRefusal(literal, allowPrivate);
    if (refusal !== undefined) throw new ValidationError(field, 'relay_address_refused', refusal);
  } else if (/^(localhost|metadata|metadata\.google\.internal|instance-data)(\.|$)/i.test(literal) && !allowPrivate) {
    throw new ValidationError(field, 'relay_address_refused', `${literal} is a local name (private relay addresses are not allowed here)`);
  }
  return text;
}

/**
 * Validates a relay to add: a canonical stream (a pattern with `*` allowed for push), exactly one
 * of `push` (1–16 rtmp/rtmps URLs with /APP/KEY, or srt URLs) and `pull` (one rtmp/rtmps/rtsp/http/https/srt URL),
 * `mode` only with pull. Address literals in link-local ranges are always refused, private and
 * loopback ones unless `allowPrivate`. Throws ValidationError naming the field.
 */
export function validateRelayInput(body: Record<string, unknown>, allowPrivate: boolean): RelayInput {
  for (const key of Object.keys(body)) {
    if (!['stream', 'push', 'pull', 'mode', 'owner'].includes(key)) throw new ValidationError(key, 'unknown_field', `unknown field ${key}`);
  }
  if (typeof body.stream !== 'string') throw new ValidationError('stream', 'invalid_type', 'stream must be APP/STREAM');
  let stream: string;
  try {
    stream = canonicalStream(body.stream).path;
  } catch (err) {
    if (err instanceof StreamNameError) throw new ValidationError('stream', 'invalid_stream', err.message, { cause: err });
    throw err;
  }
  const hasPush = body.push !== undefined;
  const hasPull = body.pull !== undefined;
  if (hasPush === hasPull) throw new ValidationError('push', 'push_or_pull', 'give exactly one of push (target URLs) and pull (a source URL)');
  const owner = body.owner;
  if (owner !== undefined && (typeof owner !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(owner))) {
    throw new ValidationError('owner', 'invalid_value', 'owner must be a user name');
  }
  if (hasPush) {
    if (!Array.isArray(body.push) || body.push.length === 0 || body.push.length > RELAY_LIMITS.pushTargetsMax) {
      throw new ValidationError('push', 'invalid_value', `push must be a list of 1–${RELAY_LIMITS.pushTargetsMax} URLs`);
    }
    if (body.mode !== undefined) throw new ValidationError('mode', 'invalid_value', 'mode applies to pull relays only');
    const push = body.push.map((u, i) => checkUrl(u, `push[${i}]`, true, allowPrivate));
    return { stream, push, ...(owner !== undefined && { owner: owner as string }) };
  }
  if (stream.includes('*')) throw new ValidationError('stream', 'invalid_stream', 'a pull relay publishes one stream: no * patterns');
  const pull = checkUrl(body.pull, 'pull', false, allowPrivate);
  const mode = body.mode ?? 'on-demand';
  if (mode !== 'on-demand' && mode !== 'always') throw new ValidationError('mode', 'invalid_value', 'mode must be on-demand or always');
  return { stream, pull, mode, ...(owner !== undefined && { owner: owner as string }) };
}

/** The operators' relays API (admin bearer). */
export const RELAYS_PATH = '/relays';
/** The ingest's read of every relay with URLs in clear (service bearer, or IAM in AWS). */
export const INGEST_RELAYS_PATH = '/ingest/relays';
