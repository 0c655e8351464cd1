import type { DynamoJsonClient } from './dynamo-json-client.js';
import type { ChallengeReplayCache } from '#domain/adobe-challenge.js';

/** Bounds a claim that would otherwise wait on a slow store (the answer is then "no": fail closed). */
const CLAIM_TIMEOUT_MS = 2000;

/**
 * {@link ChallengeReplayCache} in the cluster registry table: one row per answered challenge id
 * (`pk` = `replay#ID`), written with a conditional put, so an Adobe/LLNW challenge response is
 * accepted once across every task. A row whose `expiresAt` passed may be overwritten (the
 * challenge has expired anyway and would be refused before the claim); DynamoDB TTL removes old
 * rows in AWS. A store error refuses the claim (fail closed), as a full memory cache does.
 */
export class DynamoReplayCache implements ChallengeReplayCache {
  constructor(
    private readonly client: DynamoJsonClient,
    private readonly table: string,
  ) {}

  async claim(id: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    try {
      await this.client.call(
        'PutItem',
        {
          TableName: this.table,
          Item: {
            pk: { S: `replay#${id}` },
            expiresAt: { N: String(expiresAtMs) },
            ttl: { N: String(Math.ceil(expiresAtMs / 1000) + 60) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
        },
        AbortSignal.timeout(CLAIM_TIMEOUT_MS),
      );
      return true;
    } catch {
      return false;
    }
  }
}
