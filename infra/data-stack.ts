import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { GeneratedSecret } from './constructs/generated-secret.js';
import { RegistryTable } from './constructs/registry-table.js';
import { RelaysTable } from './constructs/relays-table.js';
import { UsersTable } from './constructs/users-table.js';

/** 43 base64 digits carry 258 bits: unpadded they decode to exactly 32 bytes. */
export const PASSWORD_KEY_BASE64_CHARS = 43;

/** Props of {@link DataStack}. */
export interface DataStackProps extends StackProps {
  readonly stage: string;
}

/**
 * What must outlive every deploy: the users table and the generated secrets. Everything here is
 * RETAIN; the api and ingest stacks can be destroyed and recreated around it.
 */
export class DataStack extends Stack {
  readonly users: UsersTable;
  /** Managed relays (push targets, pull sources); URLs encrypted with the password key. */
  readonly relays: RelaysTable;
  /** The ingest cluster's stream registry, publisher leases and challenge replay cache (TTL on `ttl`). */
  readonly registry: RegistryTable;
  /** Bearer token of the ingest tasks' private pull port (edge pulls between tasks). */
  readonly clusterToken: GeneratedSecret;
  /** HMAC key of HLS segment tokens, the same on every task and across deploys. */
  readonly segmentTokenKey: GeneratedSecret;
  /** TEA shared secret between the ingest (or a Wowza server) and `/token`. */
  readonly teaSecret: GeneratedSecret;
  /** Bearer token of the `/users` API. */
  readonly adminToken: GeneratedSecret;
  /** Bearer token the ingest presents to `/acl` (when `/acl` is not behind IAM). */
  readonly serviceToken: GeneratedSecret;
  /**
   * Key that encrypts user passwords at rest (AES-256-GCM): 43 characters from the base64
   * alphabet, which decode (unpadded) to exactly 32 bytes, the form functions/src/deps.ts reads.
   */
  readonly passwordKey: GeneratedSecret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const prefix = `streamgate/${props.stage}`;
    this.users = new UsersTable(this, 'Users', { tableName: `streamgate-${props.stage}-users` });
    this.relays = new RelaysTable(this, 'Relays', { tableName: `streamgate-${props.stage}-relays` });
    this.registry = new RegistryTable(this, 'Registry', { tableName: `streamgate-${props.stage}-registry` });
    this.clusterToken = new GeneratedSecret(this, 'ClusterToken', {
      secretName: `${prefix}/cluster-token`,
      description: 'streamgate: bearer token of the ingest tasks\' private pull port',
      alphabet: 'alnum',
      length: 48,
      rotation:
        'put a new value and force a new ECS deployment: tasks of the old and new deployment disagree while both run, so edge pulls between them fail until the old tasks are gone (players on those tasks see the stream only where it is published).',
    });
    this.segmentTokenKey = new GeneratedSecret(this, 'SegmentTokenKey', {
      secretName: `${prefix}/segment-token-key`,
      description: 'streamgate: HMAC key of HLS segment tokens (shared by every ingest task)',
      alphabet: 'alnum',
      length: 48,
      rotation:
        'put a new value and force a new ECS deployment: segment tokens issued under the old key (valid for a few target durations) fail on new tasks, so HLS players with play auth refetch their playlist.',
    });
    this.teaSecret = new GeneratedSecret(this, 'TeaSecret', {
      secretName: `${prefix}/tea-secret`,
      description: 'streamgate: TEA shared secret of the Wowza-compatible /token provider',
      alphabet: 'alnum',
      length: 32,
      rotation:
        'a new value must reach every party at once: the token function reads it at cold start, the ingest at task start, and an external Wowza server holds a copy in its module settings. Rotating it breaks that Wowza server until its copy is updated; it is done in a maintenance window (put the value, force new Lambda environments and a new ECS deployment, update Wowza).',
    });
    this.adminToken = new GeneratedSecret(this, 'AdminToken', {
      secretName: `${prefix}/admin-token`,
      description: 'streamgate: bearer token of the /users admin API',
      alphabet: 'alnum',
      length: 48,
      rotation:
        'put a new value and update the users function configuration (new environments read it); operators fetch it again for the CLI. Nothing else holds it.',
    });
    this.serviceToken = new GeneratedSecret(this, 'ServiceToken', {
      secretName: `${prefix}/service-token`,
      description: 'streamgate: bearer token the ingest presents to /acl',
      alphabet: 'alnum',
      length: 48,
      rotation:
        'used only with aclAuth=token: put a new value, then redeploy the api functions and the ingest service together; publishes are denied (fail closed) while they disagree.',
    });
    this.passwordKey = new GeneratedSecret(this, 'PasswordKey', {
      secretName: `${prefix}/password-key`,
      description: 'streamgate: base64 of the 32-byte key encrypting user passwords at rest',
      alphabet: 'alnum',
      length: PASSWORD_KEY_BASE64_CHARS,
      rotation:
        'a key ring: add a new key id and make it current (old keys stay so stored passwords decrypt), then `streamgate users re-encrypt` rewrites every stored password under the current key; only then may the old key be removed. Replacing the value outright would make every stored password unreadable.',
    });
  }
}
