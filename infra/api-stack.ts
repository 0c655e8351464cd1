import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ApiFunction } from './constructs/api-function.js';
import type { DataStack } from './data-stack.js';

/** How `/acl` callers prove they are the ingest. */
export type AclAuth = 'iam' | 'token';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  readonly stage: string;
  readonly data: DataStack;
  /**
   * `iam`: API Gateway checks a SigV4 signature (the ingest's task role) on /acl and /token;
   * `token`: /acl and /token check the service bearer token (/token is open to others too: TEA
   * secret only, throttled per source).
   */
  readonly aclAuth: AclAuth;
  /**
   * Adds the public `/wowza/token` route (same token app) for an external Wowza server; its TEA
   * secret is the only protection and callers are throttled per source. `/token` keeps its IAM
   * authorizer for the ingest.
   */
  readonly exposeToken: boolean;
  /** How long the ingest may cache a positive ACL answer. */
  readonly aclTtlSeconds?: number;
  /** Steady requests per second the API accepts (default 50). */
  readonly throttleRatePerSecond?: number;
  /** Burst the API accepts above the rate (default 100). */
  readonly throttleBurst?: number;
  /** SNS topic the API's 5xx alarm notifies. */
  readonly alarmTopicArn?: string;
}

/** The API's one stage, at the root URL. */
export const API_STAGE = '$default';

/**
 * The API access log line (JSON, one per request): enough to follow a request into the
 * function's log (`requestId` there is the Lambda request id, `integrationRequestId` here).
 */
export const API_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  time: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationRequestId: '$context.integration.requestId',
  integrationStatus: '$context.integration.status',
  integrationError: '$context.integrationErrorMessage',
  caller: '$context.identity.caller',
  userAgent: '$context.identity.userAgent',
} as const;

/**
 * Paths of the token provider's routes. infra imports no code of ours, so these repeat
 * `TOKEN_PATH` and `WOWZA_TOKEN_PATH` of domain/src/functions-contract.ts (test/infra pins them).
 */
export const TOKEN_ROUTES = { ingest: '/token', wowza: '/wowza/token' } as const;

/** Env var names the functions read (functions/src/<app>/deps.ts). */
export const FUNCTION_ENV = {
  teaSecretArn: 'STREAMGATE_TEA_SECRET_ARN',
  adminTokenArn: 'STREAMGATE_ADMIN_TOKEN_ARN',
  serviceTokenArn: 'STREAMGATE_SERVICE_TOKEN_ARN',
  passwordKeyArn: 'STREAMGATE_PASSWORD_KEY_ARN',
  aclAuth: 'STREAMGATE_ACL_AUTH',
  aclTtlSeconds: 'STREAMGATE_ACL_TTL_SECONDS',
  relayAllowPrivate: 'STREAMGATE_RELAY_ALLOW_PRIVATE',
} as const;

/** Paths of the relays routes (repeat RELAYS_PATH and INGEST_RELAYS_PATH of domain/src/relay.ts; test/infra pins them). */
export const RELAY_ROUTES = { admin: '/relays', ingest: '/ingest/relays' } as const;

/**
 * The control plane: one Lambda per Hono app behind one HTTP API.
 *
 * | route | app | who may call |
 * |---|---|---|
 * | `ANY /users`, `ANY /users/{proxy+}`, `GET /openapi.json` | users | anyone; the app checks the admin bearer token |
 * | `ANY /relays`, `ANY /relays/{proxy+}` | users | anyone; the app checks the admin bearer token |
 * | `GET /ingest/relays` | users | IAM (ingest task role) or the service token, like `/acl` |
 * | `POST /acl` | acl | IAM (ingest task role) or the service token, see {@link AclAuth} |
 * | `GET,POST /token` | token | IAM (ingest task role); anyone with `aclAuth=token` |
 * | `GET,POST /wowza/token` | token | only with `exposeToken`: anyone (an external Wowza server) |
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly token: ApiFunction;
  readonly acl: ApiFunction;
  readonly users: ApiFunction;
  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  readonly apiUrl: string;
  /** 5xx answers of the API (Lambda errors, timeouts, throttled integrations). */
  readonly serverErrorAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { data } = props;
    const namePrefix = `streamgate-${props.stage}`;

    this.token = new ApiFunction(this, 'Token', { app: 'token', namePrefix });
    data.users.bindTable(this.token.fn, 'read');
    data.teaSecret.bindSecret(this.token.fn, FUNCTION_ENV.teaSecretArn);
    data.passwordKey.bindSecret(this.token.fn, FUNCTION_ENV.passwordKeyArn);
    // With aclAuth=token the ingest presents the service bearer on /token as well; the token app
    // must know it to recognise the ingest, or it throttles every encoder behind the ingest's one
    // source address (functions/src/token/create-token-app.ts).
    if (props.aclAuth === 'token') data.serviceToken.bindSecret(this.token.fn, FUNCTION_ENV.serviceTokenArn);

    this.acl = new ApiFunction(this, 'Acl', {
      app: 'acl',
      namePrefix,
      environment: {
        [FUNCTION_ENV.aclAuth]: props.aclAuth,
        [FUNCTION_ENV.aclTtlSeconds]: String(props.aclTtlSeconds ?? 30),
      },
    });
    data.users.bindTable(this.acl.fn, 'read');
    if (props.aclAuth === 'token') data.serviceToken.bindSecret(this.acl.fn, FUNCTION_ENV.serviceTokenArn);

    // The users function also serves the relays routes; its /ingest/relays answer carries target
    // URLs in clear, so it authenticates the ingest the way /acl does. Relay URLs naming private or
    // loopback addresses are refused here (STREAMGATE_RELAY_ALLOW_PRIVATE stays off in AWS).
    this.users = new ApiFunction(this, 'Users', { app: 'users', namePrefix, environment: { [FUNCTION_ENV.aclAuth]: props.aclAuth, [FUNCTION_ENV.relayAllowPrivate]: 'off' } });
    data.users.bindTable(this.users.fn, 'readWrite');
    data.relays.bindTable(this.users.fn, 'readWrite');
    if (props.aclAuth === 'token') data.serviceToken.bindSecret(this.users.fn, FUNCTION_ENV.serviceTokenArn);
    data.adminToken.bindSecret(this.users.fn, FUNCTION_ENV.adminTokenArn);
    data.passwordKey.bindSecret(this.users.fn, FUNCTION_ENV.passwordKeyArn);

    this.api = new HttpApi(this, 'Api', {
      apiName: namePrefix,
      description: 'streamgate control plane: /token, /acl, /users',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${namePrefix}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // One stage at the root URL. The throttle caps what a misbehaving client can cost in Lambda
    // invocations; an ingest asks /acl and /token once per publish attempt, far below it.
    this.api.addStage('RootStage', {
      stageName: API_STAGE,
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRatePerSecond ?? 50, burstLimit: props.throttleBurst ?? 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(API_ACCESS_LOG_FIELDS)),
      },
    });
    const iam = new HttpIamAuthorizer();
    const users = new HttpLambdaIntegration('UsersIntegration', this.users.fn);
    const acl = new HttpLambdaIntegration('AclIntegration', this.acl.fn);
    const token = new HttpLambdaIntegration('TokenIntegration', this.token.fn);
    // A route without an API Gateway authorizer says why in `open` (cdk-nag AwsSolutions-APIG4).
    const route = (path: string, methods: HttpMethod[], integration: HttpLambdaIntegration, authorizer: IHttpRouteAuthorizer | undefined, open: string) => {
      for (const r of this.api.addRoutes({ path, methods, integration, ...(authorizer === undefined ? {} : { authorizer }) })) {
        if (authorizer === undefined) Validations.of(r).acknowledge({ id: 'AwsSolutions-APIG4', reason: open });
      }
    };
    const usersOpen = 'The users app checks the admin bearer token (Secrets Manager) on every request itself, in constant time; an operator CLI cannot sign requests with IAM.';
    const tokenOpen = 'With aclAuth=token the ingest cannot sign requests: the route checks the service bearer token (acl) or the TEA secret with a per-source failure throttle (token), as a Wowza token provider does.';
    route('/users', [HttpMethod.ANY], users, undefined, usersOpen);
    route('/users/{proxy+}', [HttpMethod.ANY], users, undefined, usersOpen);
    route(RELAY_ROUTES.admin, [HttpMethod.ANY], users, undefined, usersOpen);
    route(`${RELAY_ROUTES.admin}/{proxy+}`, [HttpMethod.ANY], users, undefined, usersOpen);
    route(RELAY_ROUTES.ingest, [HttpMethod.GET], users, props.aclAuth === 'iam' ? iam : undefined, tokenOpen);
    route('/openapi.json', [HttpMethod.GET], users, undefined, 'The API description holds no data and no secrets.');
    route('/acl', [HttpMethod.POST], acl, props.aclAuth === 'iam' ? iam : undefined, tokenOpen);
    // The ingest calls /token too: when it cannot sign (aclAuth=token) the route is open and the
    // TEA secret is its only protection, as with a Wowza server's token provider. With IAM it stays
    // signed-only even when exposeToken opens the provider to Wowza: API Gateway's IAM context is
    // how the token app tells the ingest from a public caller (which it throttles per source).
    route(TOKEN_ROUTES.ingest, [HttpMethod.GET, HttpMethod.POST], token, props.aclAuth === 'iam' ? iam : undefined, tokenOpen);
    if (props.exposeToken) {
      route(TOKEN_ROUTES.wowza, [HttpMethod.GET, HttpMethod.POST], token, undefined, 'exposeToken opens the Wowza-compatible token provider on purpose: an external Wowza server cannot sign; the TEA secret protects it and failed lookups are throttled per source.');
    }

    this.serverErrorAlarm = new Alarm(this, 'ServerErrors', {
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'The functions API answered 5xx five times or more in 5 minutes: publishes are being denied (fail closed). See the access log and the function logs by requestId.',
    });
    if (props.alarmTopicArn !== undefined) {
      this.serverErrorAlarm.addAlarmAction(new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)));
    }

    this.apiUrl = this.api.apiEndpoint;
    new CfnOutput(this, 'ApiUrl', { value: this.apiUrl, description: 'base URL of the functions API (streamgate users … --api URL)' });
    if (props.exposeToken) {
      new CfnOutput(this, 'WowzaTokenUrl', {
        value: `${this.apiUrl}${TOKEN_ROUTES.wowza}`,
        description: "an external Wowza server's serverTokenValidatorURL (public, TEA secret only)",
      });
    }
    new CfnOutput(this, 'AdminTokenSecret', {
      value: data.adminToken.secretName,
      description: 'aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text',
    });
  }

  /**
   * Lets `grantee` (the ingest task role) call `/acl`, `/token` and `GET /ingest/relays` through
   * the IAM authorizer: `execute-api:Invoke` on exactly those routes of this API's one stage.
   */
  grantIngestInvoke(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['execute-api:Invoke'],
        resources: [
          this.api.arnForExecuteApi('POST', '/acl', API_STAGE),
          this.api.arnForExecuteApi('GET', TOKEN_ROUTES.ingest, API_STAGE),
          this.api.arnForExecuteApi('POST', TOKEN_ROUTES.ingest, API_STAGE),
          this.api.arnForExecuteApi('GET', RELAY_ROUTES.ingest, API_STAGE),
        ],
      }),
    );
  }
}
