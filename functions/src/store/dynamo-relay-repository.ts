import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import type { Relay, RelayInput } from '#domain/relay.js';
import type { PasswordCipher } from './password-cipher.js';
import type { RelayRepository } from './relay-repository.js';

/** Item shape in the relays table (partition key `id`, as infra/constructs/relays-table.ts). */
interface RelayItem {
  id: string;
  stream: string;
  /** PasswordCipher outputs of the target URLs (stream keys are secrets); never plaintext. */
  pushEnc?: string[];
  pullEnc?: string;
  mode?: 'on-demand' | 'always';
  owner?: string;
  createdAt: string;
  /** Stored only as `false` (turned off); absent means on. */
  enabled?: boolean;
}

/** Most relays read per list (relays are configuration: a handful per deployment). */
const MAX_RELAYS = 1000;

/** The AAD a relay URL is encrypted under: a ciphertext moved to another relay does not decrypt. */
const aad = (id: string) => `relay:${id}`;

/**
 * Relays in one DynamoDB table keyed by `id` (random, `r-` + 10 hex). Their URLs are encrypted
 * at rest with the users' password key (AES-256-GCM, the relay id as AAD), like passwords.
 */
export class DynamoRelayRepository implements RelayRepository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly cipher: PasswordCipher,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(input: RelayInput): Promise<Relay> {
    const id = `r-${randomBytes(5).toString('hex')}`;
    const item: RelayItem = {
      id,
      stream: input.stream,
      ...(input.push && { pushEnc: input.push.map((u) => this.cipher.encrypt(aad(id), u)) }),
      ...(input.pull !== undefined && { pullEnc: this.cipher.encrypt(aad(id), input.pull), mode: input.mode ?? 'on-demand' }),
      ...(input.owner !== undefined && { owner: input.owner }),
      createdAt: new Date().toISOString(),
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(id)' }));
    return this.toRelay(item);
  }

  async list(): Promise<Relay[]> {
    const out: Relay[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start, Limit: 200 }));
      for (const item of (page.Items ?? []) as RelayItem[]) out.push(this.toRelay(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined && out.length < MAX_RELAYS);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async delete(id: string): Promise<boolean> {
    const out = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { id }, ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  async setEnabled(id: string, enabled: boolean): Promise<Relay | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: enabled ? 'REMOVE enabled' : 'SET enabled = :off',
          ...(enabled ? {} : { ExpressionAttributeValues: { ':off': false } }),
          ConditionExpression: 'attribute_exists(id)',
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.toRelay(out.Attributes as RelayItem);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  private toRelay(item: RelayItem): Relay {
    return {
      id: item.id,
      stream: item.stream,
      ...(item.pushEnc && { push: item.pushEnc.map((e) => this.cipher.decrypt(aad(item.id), e)) }),
      ...(item.pullEnc !== undefined && { pull: this.cipher.decrypt(aad(item.id), item.pullEnc), mode: item.mode ?? 'on-demand' }),
      ...(item.owner !== undefined && { owner: item.owner }),
      createdAt: item.createdAt,
      ...(item.enabled === false && { enabled: false as const }),
    };
  }
}
