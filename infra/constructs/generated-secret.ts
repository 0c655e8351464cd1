import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
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
  /**
   * How this secret is rotated and what a rotation breaks (docs/deploy-aws.md, "Rotation"). It is
   * rotated by an operator, not by a rotation Lambda, and this text is the reason given to
   * cdk-nag (AwsSolutions-SMG4) in the code.
   */
  readonly rotation: string;
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
  /** How it is rotated (see {@link GeneratedSecretProps.rotation}). */
  readonly rotation: string;

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
    this.rotation = props.rotation;
    Validations.of(this.secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: `Rotated by an operator, not a Lambda: ${props.rotation}` });
  }

  /**
   * Lets `fn` read the value (secretsmanager:GetSecretValue on this secret only: what
   * functions/src/deps.ts calls, no DescribeSecret) and passes the ARN in `envName`.
   */
  bindSecret(fn: IFunction & { addEnvironment(key: string, value: string): unknown }, envName: string): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }));
    fn.addEnvironment(envName, this.secret.secretArn);
  }
}
