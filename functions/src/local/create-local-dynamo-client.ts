import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * A DynamoDB client for a local endpoint (dynalite). The SDK insists on a region and
 * credentials even there; fixed dummy values keep it from probing the environment.
 */
export function createLocalDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}
