import { taskRoleCredentials } from '../auth/task-role-credentials.js';
import { invalidSetting, type IngestConfig } from '../config.js';
import { DynamoJsonClient } from './dynamo-json-client.js';

type RegistryClientConfig = Pick<
  IngestConfig,
  | 'registryEndpoint'
  | 'awsRegion'
  | 'awsEndpointUrlDynamodb'
  | 'awsAccessKeyId'
  | 'awsSecretAccessKey'
  | 'awsSessionToken'
  | 'awsContainerCredentialsRelativeUri'
  | 'awsContainerCredentialsFullUri'
  | 'awsContainerAuthorizationToken'
>;

/** A client of the local embedded store (dynalite) at `endpoint`: dummy region and credentials, which it only checks for presence. */
export function localRegistryClient(endpoint: string, region = 'local'): DynamoJsonClient {
  const local = { accessKeyId: 'local', secretAccessKey: 'local' };
  return new DynamoJsonClient({ endpoint, region, credentials: async () => local });
}

/**
 * The DynamoDB client of the cluster registry: the local embedded store when
 * STREAMGATE_REGISTRY_ENDPOINT is set (fixed dummy credentials), otherwise DynamoDB in AWS_REGION
 * (or AWS_ENDPOINT_URL_DYNAMODB) signed with static keys or the ECS task role's container
 * endpoint, the sources the functions calls' IAM mode takes (no profiles, SSO or instance
 * metadata: the SDK's default chain was most of the SDK in every task).
 */
export function createRegistryClient(config: RegistryClientConfig): DynamoJsonClient {
  if (config.registryEndpoint !== undefined) return localRegistryClient(config.registryEndpoint, config.awsRegion);
  const region = config.awsRegion;
  if (region === undefined) throw invalidSetting('AWS_REGION', 'required in cluster mode without STREAMGATE_REGISTRY_ENDPOINT (the registry table\'s region)');
  const credentials =
    taskRoleCredentials({
      accessKeyId: config.awsAccessKeyId,
      secretAccessKey: config.awsSecretAccessKey,
      sessionToken: config.awsSessionToken,
      containerRelativeUri: config.awsContainerCredentialsRelativeUri,
      containerFullUri: config.awsContainerCredentialsFullUri,
      containerAuthorizationToken: config.awsContainerAuthorizationToken,
    });
  if (credentials === undefined) {
    throw invalidSetting('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'cluster mode: no AWS credentials for the registry: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or run with an ECS task role (or STREAMGATE_REGISTRY_ENDPOINT for a local store)');
  }
  return new DynamoJsonClient({ endpoint: config.awsEndpointUrlDynamodb ?? `https://dynamodb.${region}.amazonaws.com`, region, credentials });
}
