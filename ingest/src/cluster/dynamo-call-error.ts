import { StreamgateError } from '#domain/errors.js';

/** How a DynamoDB call failed. */
export type DynamoCallErrorCode = 'DYNAMO_REFUSED' | 'DYNAMO_UNREACHABLE' | 'DYNAMO_TIMEOUT' | 'DYNAMO_BAD_ANSWER' | 'DYNAMO_NO_CREDENTIALS';

/**
 * A DynamoDB call that did not succeed. `DYNAMO_REFUSED` is an error answer: `type` is DynamoDB's
 * error name (`ConditionalCheckFailedException`, `ResourceNotFoundException`, …) and `status`
 * the HTTP status.
 */
export class DynamoCallError extends StreamgateError<DynamoCallErrorCode> {
  override readonly name = 'DynamoCallError';
  readonly type: string | undefined;
  readonly status: number | undefined;
  constructor(code: DynamoCallErrorCode, message: string, options: { cause?: unknown; type?: string; status?: number } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.type = options.type;
    this.status = options.status;
  }
}
