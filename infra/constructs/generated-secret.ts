import { RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Props of {@link GeneratedSecret}. */
export interface GeneratedSecretProps {
  /** Secret name, e.g. `streamgate/dev/tea-secret`. */
  readonly secretName: string;
  readonly description: string;
  /** Characters Secrets Manager draws from; see {@link SECRET_ALPHABETS}. */
  readonly alphabet: keyof typeof SECRET_ALPHABETS;
  /** Generated length in characters. */
  readonly length: number;
}

/**
 * Characters to exclude for each alphabet (GenerateSecretString only knows exclusions).
 * `alnum`: A–Z a–z 0–9, safe in URLs, headers and env, and a subset of the base64 alphabet.
 */
export const SECRET_ALPHABETS = {
  alnum: { excludePunctuation: true, excludeCharacters: '' },
} as const;

/**
 * A secret whose value Secrets Manager generates at deploy time: it never exists in the repository,
 * the template or a CDK output. RETAIN, so redeploying or destroying a stack never rotates a
 * secret that users or an external Wowza server depend on.
 */
export class GeneratedSecret extends Construct {
  readonly secret: Secret;
  /** The secret's name as given (no random suffix), for `aws secretsmanager get-secret-value --secret-id`. */
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    this.secretName = props.secretName;
    const { excludeCharacters, ...flags } = SECRET_ALPHABETS[props.alphabet];
    this.secret = new Secret(this, 'Secret', {
      secretName: props.secretName,
      description: props.description,
      removalPolicy: RemovalPolicy.RETAIN,
      generateSecretString: {
        ...flags,
        ...(excludeCharacters === '' ? {} : { excludeCharacters }),
        passwordLength: props.length,
        includeSpace: false,
        requireEachIncludedType: false,
      },
    });
  }

  /** Lets `fn` read the value (GetSecretValue on this secret only) and passes the ARN in `envName`. */
  bindSecret(fn: IFunction & { addEnvironment(key: string, value: string): unknown }, envName: string): void {
    this.secret.grantRead(fn);
    fn.addEnvironment(envName, this.secret.secretArn);
  }
}
