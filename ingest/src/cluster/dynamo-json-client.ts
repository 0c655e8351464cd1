import { readLimitedText, type FetchFn, type FunctionsAnswer } from '../auth/fetch-json.js';
import { httpFetch } from '../auth/http-fetch.js';
import { sigv4Sign } from '../auth/sigv4-sign.js';
import type { AwsCredentialsProvider } from '../auth/task-role-credentials.js';
import { DynamoCallError } from './dynamo-call-error.js';

/** One attribute in DynamoDB's JSON (the kinds the registry writes). */
export interface AttributeValue {
  readonly S?: string;
  readonly N?: string;
  readonly BOOL?: boolean;
  readonly NULL?: boolean;
  readonly M?: Record<string, AttributeValue>;
}

/** A row, by attribute name. */
export type DynamoItem = Record<string, AttributeValue>;

/** The item operations the cluster registry makes. */
export type DynamoOperation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

/** What those operations answer that the registry reads. */
export interface DynamoAnswer {
  readonly Item?: DynamoItem;
  readonly Attributes?: DynamoItem;
}

/** Where and as whom a {@link DynamoJsonClient} calls. */
export interface DynamoJsonClientOptions {
  /** `https://dynamodb.REGION.amazonaws.com`, or a local store's URL. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: AwsCredentialsProvider;
  /** Tries per call (the first and retries of unreachable, timed-out, throttled or 5xx calls); default 2. */
  readonly maxAttempts?: number;
  /** Deadline of one try; default 5000 ms. */
  readonly timeoutMs?: number;
  readonly fetchFn?: FetchFn;
}

/** An item answer is small (the registry's rows are under 1 KB; DynamoDB's item limit is 400 KB). */
const ANSWER_MAX_BYTES = 512 * 1024;
/** Error answers worth one more try besides 5xx (the AWS SDK's throttling list, as far as DynamoDB answers it). */
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

function retryable(err: unknown): boolean {
  if (!(err instanceof DynamoCallError)) return false;
  if (err.code === 'DYNAMO_UNREACHABLE' || err.code === 'DYNAMO_TIMEOUT') return true;
  return err.code === 'DYNAMO_REFUSED' && ((err.status ?? 0) >= 500 || THROTTLED.has(err.type ?? ''));
}

/**
 * The cluster registry's DynamoDB client: item calls in DynamoDB's JSON protocol (a SigV4-signed
 * POST with `x-amz-target`) over `node:http`. Inputs and answers are DynamoDB's own JSON, which is
 * what the SDK's low-level client takes and returns. It replaces the AWS SDK's DynamoDB client in
 * the ingest: the SDK and its default credential chain were two thirds of the bundle and 8-9 MB of
 * every task's idle RSS (docs/benchmark.md Round 5). Failures are {@link DynamoCallError}s.
 */
export class DynamoJsonClient {
  private readonly url: URL;

  constructor(private readonly options: DynamoJsonClientOptions) {
    this.url = new URL(options.endpoint);
  }

  /** Makes `operation` with `input` (TableName, Key, …); `signal` bounds every try. */
  async call(operation: DynamoOperation, input: Record<string, unknown>, signal?: AbortSignal): Promise<DynamoAnswer> {
    const body = JSON.stringify(input);
    const attempts = this.options.maxAttempts ?? 2;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(operation, body, signal);
      } catch (err) {
        if (attempt >= attempts || signal?.aborted || !retryable(err)) throw err;
      }
    }
  }

  private async once(operation: DynamoOperation, body: string, outer: AbortSignal | undefined): Promise<DynamoAnswer> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs ?? 5000);
    const signal = outer === undefined ? deadline : AbortSignal.any([outer, deadline]);
    const failed = (err: unknown, what: string) => new DynamoCallError(signal.aborted ? 'DYNAMO_TIMEOUT' : 'DYNAMO_UNREACHABLE', `DynamoDB ${operation}: ${what}`, { cause: err });
    let credentials;
    try {
      credentials = await this.options.credentials(signal);
    } catch (err) {
      throw new DynamoCallError('DYNAMO_NO_CREDENTIALS', `DynamoDB ${operation}: no AWS credentials`, { cause: err });
    }
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` };
    const signed = await sigv4Sign({ method: 'POST', url: this.url, headers, body, credentials, region: this.options.region, service: 'dynamodb', now: new Date() });
    let res: FunctionsAnswer;
    try {
      res = await (this.options.fetchFn ?? httpFetch)(this.url, { method: 'POST', headers: { ...headers, ...signed.headers }, body, signal });
    } catch (err) {
      throw failed(err, 'no answer');
    }
    let text: string;
    try {
      text = await readLimitedText(res, ANSWER_MAX_BYTES, (size, limit) => new DynamoCallError('DYNAMO_BAD_ANSWER', `DynamoDB ${operation}: answer too large: ${size} > limit ${limit} bytes`));
    } catch (err) {
      if (err instanceof DynamoCallError) throw err;
      throw failed(err, 'answer cut short');
    } finally {
      res.body?.cancel().catch(() => {});
    }
    let answer: Record<string, unknown> | undefined;
    try {
      answer = JSON.parse(text) as Record<string, unknown>;
    } catch {
      answer = undefined;
    }
    if (res.status === 200 && answer !== undefined) return answer as DynamoAnswer;
    // Error answers name their type as `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`.
    const type = typeof answer?.__type === 'string' ? answer.__type.slice(answer.__type.lastIndexOf('#') + 1) : undefined;
    const message = typeof answer?.message === 'string' ? answer.message : typeof answer?.Message === 'string' ? answer.Message : '';
    if (res.status === 200 || type === undefined) {
      throw new DynamoCallError(res.status >= 500 ? 'DYNAMO_REFUSED' : 'DYNAMO_BAD_ANSWER', `DynamoDB ${operation}: HTTP ${res.status} without a readable answer`, { status: res.status });
    }
    throw new DynamoCallError('DYNAMO_REFUSED', `DynamoDB ${operation}: ${type}${message ? `: ${message}` : ''}`, { type, status: res.status });
  }
}
