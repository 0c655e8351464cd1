import { createHash, createHmac } from 'node:crypto';

/** AWS credentials as the signer needs them (task-role credentials carry a session token). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When temporary credentials stop working; absent for long-term keys. */
  readonly expiration?: Date;
}

/** One HTTP request to sign with {@link sigv4Sign}. */
export interface SigV4Request {
  readonly method: string;
  /** Absolute URL exactly as it goes on the wire (path and query already percent-encoded). */
  readonly url: string | URL;
  /** Headers that will be sent (names in any case). `host` is taken from `url`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact body bytes (a string is UTF-8). */
  readonly body: Uint8Array | string;
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** `execute-api` for API Gateway. */
  readonly service: string;
  readonly now: Date;
  /** Also send and sign `x-amz-content-sha256` (S3 needs it; API Gateway does not). Default false. */
  readonly contentSha256Header?: boolean;
}

/** The intermediate values of a signature (exposed so tests can compare them step by step). */
export interface SigV4Result {
  /** Headers to add to the request: `authorization`, `x-amz-date`, and when present `x-amz-security-token`, `x-amz-content-sha256`. */
  readonly headers: Record<string, string>;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

/**
 * Headers never signed: hop-by-hop or changed by proxies (the AWS SDKs' list, less `From`, which
 * the ingest never sends; signing an extra header is always valid).
 */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'content-length',
  'expect',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

const ALGORITHM = 'AWS4-HMAC-SHA256';

/**
 * Signs a request with AWS Signature Version 4 (header form) and returns the headers to add.
 * Pure: the credentials, region and time are inputs. Follows the AWS SigV4 reference
 * ("Create a canonical request"): the path is normalised (empty, `.` and `..` segments dropped)
 * and URI-encoded a second time as every service but S3 expects; query parameters are sorted by
 * encoded name then value; header values are trimmed with inner whitespace runs collapsed; the
 * payload hash is SHA-256 of the body bytes.
 */
export function sigv4Sign(req: SigV4Request): SigV4Result {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  const longDate = req.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/${req.region}/${req.service}/aws4_request`;
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  const payloadHash = sha256Hex(body);

  const added: Record<string, string> = { 'x-amz-date': longDate };
  if (req.credentials.sessionToken) added['x-amz-security-token'] = req.credentials.sessionToken;
  if (req.contentSha256Header) added['x-amz-content-sha256'] = payloadHash;

  const signed = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (UNSIGNABLE.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) continue;
    signed.set(lower, canonicalHeaderValue(value));
  }
  signed.set('host', url.host);
  for (const [name, value] of Object.entries(added)) signed.set(name, value);
  const names = [...signed.keys()].sort();
  const signedHeaders = names.join(';');

  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.search),
    names.map((n) => `${n}:${signed.get(n)}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const stringToSign = [ALGORITHM, longDate, scope, sha256Hex(Buffer.from(canonicalRequest, 'utf8'))].join('\n');
  const key = signingKey(req.credentials.secretAccessKey, shortDate, req.region, req.service);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    headers: {
      ...added,
      authorization: `${ALGORITHM} Credential=${req.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
    canonicalRequest,
    stringToSign,
    signature,
  };
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  let key = createHmac('sha256', `AWS4${secretAccessKey}`).update(shortDate, 'utf8').digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part, 'utf8').digest();
  return key;
}

/** RFC 3986 unreserved characters stay; everything else is `%XX` (upper case), as SigV4 requires. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `pathname` is already encoded once on the wire; encoding it again gives the double encoding. */
function canonicalPath(pathname: string): string {
  const segments: string[] = [];
  for (const seg of pathname.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const joined = `/${segments.join('/')}${segments.length > 0 && pathname.endsWith('/') ? '/' : ''}`;
  return uriEncode(joined).replace(/%2F/g, '/');
}

function canonicalQuery(search: string): string {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return '';
  const pairs: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([uriEncode(decode(k)), uriEncode(decode(v))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Percent-decoding that leaves a malformed escape as it is (it is then encoded as literal text). */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
