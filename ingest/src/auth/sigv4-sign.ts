import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { splitQuery } from '#domain/split-query.js';

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

/** What a signature adds to the request. */
export interface SigV4Result {
  /** Headers to add: `authorization`, `x-amz-date`, and when present `x-amz-security-token`, `x-amz-content-sha256`. */
  readonly headers: Record<string, string>;
  /** The hex signature (the last field of `authorization`). */
  readonly signature: string;
}

/** The headers the signer adds; everything else in its answer was already on the request. */
const ADDED = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/** Left out of the signature besides the signer's own hop-by-hop list (it signs content-length). */
const UNSIGNED = new Set(['content-length']);

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer asks for (`Checksum`). */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : ArrayBuffer.isView(this.secret) ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength) : Buffer.from(this.secret);
    return createHmac('sha256', key);
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** `?b=2&a=x%20y&a=z` → `{ a: ['x y', 'z'], b: '2' }`: the signer encodes names and values itself. */
function queryOf(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [rawName, rawValue] of splitQuery(search)) {
    const name = decode(rawName);
    const value = decode(rawValue);
    const prev = query[name];
    query[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return query;
}

/** Percent-decoding that leaves a malformed escape as it is (it is then encoded as literal text). */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Signs a request with AWS Signature Version 4 (header form) through the AWS SDK's own signer
 * (`@smithy/signature-v4`) and returns the headers to add. The credentials, region and time are
 * inputs. The signer normalises and double-encodes the path as every service but S3 expects,
 * sorts the query, trims header values and leaves hop-by-hop headers unsigned.
 */
export async function sigv4Sign(req: SigV4Request): Promise<SigV4Result> {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  const signer = new SignatureV4({
    credentials: req.credentials,
    region: req.region,
    service: req.service,
    sha256: NodeSha256,
    applyChecksum: req.contentSha256Header ?? false,
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
  headers.host = url.host;
  const signed = await signer.sign(
    {
      method: req.method.toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: queryOf(url.search),
      headers,
      body: req.body,
    },
    // fetch sets content-length itself; an answer is valid whatever length header the runtime sends.
    { signingDate: req.now, unsignableHeaders: UNSIGNED },
  );
  const added: Record<string, string> = {};
  for (const name of ADDED) {
    const value = signed.headers[name];
    if (value !== undefined) added[name] = value;
  }
  return { headers: added, signature: /Signature=([0-9a-f]+)$/.exec(added.authorization ?? '')?.[1] ?? '' };
}
