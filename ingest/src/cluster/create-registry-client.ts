import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IngestConfig } from '../config.js';

/**
 * The DynamoDB client of the cluster registry: the local embedded store when
 * STREAMGATE_REGISTRY_ENDPOINT is set (dummy region and credentials, which the SDK insists on),
 * otherwise AWS with the SDK's default credential chain (the ECS task role).
 */
export function createRegistryClient(config: Pick<IngestConfig, 'registryEndpoint' | 'awsRegion'>): DynamoDBClient {
  if (config.registryEndpoint !== undefined) {
    return new DynamoDBClient({
      endpoint: config.registryEndpoint,
      region: config.awsRegion ?? 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 2,
    });
  }
  return new DynamoDBClient({ ...(config.awsRegion !== undefined ? { region: config.awsRegion } : {}), maxAttempts: 2 });
}
