import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TOKEN_PATH, WOWZA_TOKEN_PATH } from '#domain/functions-contract.js';
import { INGEST_RELAYS_PATH, RELAYS_PATH } from '#domain/relay.js';
import { RELAY_ROUTES, TOKEN_ROUTES } from '#infra/api-stack.js';
import { resourcesOf, synthAll } from './synth-helpers.js';

function routesOf(template: Template): Map<string, { AuthorizationType?: string; Target?: unknown }> {
  return new Map(resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey as string, r.Properties]));
}

/** Every IAM statement of the policies attached to the role `roleId`. */
function roleStatements<S>(template: Template, roleId: string): S[] {
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as S[]);
}

/** Every IAM statement of the policies attached to the role of the function whose id starts with `functionIdPrefix`. */
function statementsOf(template: Template, functionIdPrefix: string): { Action: string | string[]; Resource: unknown }[] {
  const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith(functionIdPrefix))!;
  return roleStatements(template, (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
}

/** Every IAM statement of the policies attached to the ECS task role of the ingest stack. */
function taskRoleStatements(template: Template): { Action: string; Resource: unknown[] }[] {
  const [, task] = resourcesOf(template, 'AWS::ECS::TaskDefinition')[0];
  return roleStatements(template, task.Properties.TaskRoleArn['Fn::GetAtt'][0]);
}

/** Logical id of the Lambda a route's integration invokes. */
function routeFunction(template: Template, routeKey: string): string {
  const target = JSON.stringify(routesOf(template).get(routeKey)!.Target);
  const [integrationId] = /integrations\/","?\{"Ref":"([^"]+)"/.exec(target)!.slice(1);
  const uri = template.toJSON().Resources[integrationId].Properties.IntegrationUri as { 'Fn::GetAtt': [string, string] };
  return uri['Fn::GetAtt'][0];
}

/** The Lambda environment of `streamgate-dev-<name>`. */
function envOf(template: Template, name: string): Record<string, unknown> {
  return resourcesOf(template, 'AWS::Lambda::Function').find(([, f]) => f.Properties.FunctionName === `streamgate-dev-${name}`)![1].Properties
    .Environment.Variables as Record<string, unknown>;
}

const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: { Resource: unknown }) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

describe('api stack', () => {
  const all = synthAll();
  const { apiTemplate: template } = all;
  const exposed = synthAll({ exposeToken: 'true' });
  const tokenAuth = synthAll({ aclAuth: 'token' });

  it('runs the three apps on nodejs24.x ARM64 as ESM bundles with source maps and JSON logs (request id on every runtime line)', () => {
    const fns = resourcesOf(template, 'AWS::Lambda::Function');
    expect(fns.map(([, f]) => f.Properties.FunctionName).sort()).toEqual(['streamgate-dev-acl', 'streamgate-dev-token', 'streamgate-dev-users']);
    for (const [, f] of fns) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(f.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
      expect(f.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('gives every function a log group with a retention period', () => {
    for (const [, f] of resourcesOf(template, 'AWS::Lambda::Function')) {
      const lg = (f.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(template.toJSON().Resources[lg].Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('routes /users, /users/{proxy+} and /openapi.json to the users app without an API Gateway authorizer', () => {
    const routes = routesOf(template);
    for (const key of ['ANY /users', 'ANY /users/{proxy+}', 'GET /openapi.json']) {
      expect(routes.get(key), key).toBeDefined();
      expect(routes.get(key)!.AuthorizationType ?? 'NONE').toBe('NONE');
    }
  });

  it('puts /acl and /token behind the IAM authorizer by default', () => {
    const routes = routesOf(template);
    for (const key of ['POST /acl', 'POST /token', 'GET /token']) expect(routes.get(key)?.AuthorizationType, key).toBe('AWS_IAM');
    expect([...routes.keys()].sort()).toEqual([
      'ANY /relays',
      'ANY /relays/{proxy+}',
      'ANY /users',
      'ANY /users/{proxy+}',
      'GET /ingest/relays',
      'GET /openapi.json',
      'GET /token',
      'POST /acl',
      'POST /token',
    ]);
  });

  it('routes the relays API to the users app: /relays checked by the app (admin bearer), GET /ingest/relays behind IAM for the ingest; the users app gets the relays table (this table only) and refuses private relay addresses', () => {
    const routes = routesOf(template);
    expect(RELAY_ROUTES).toEqual({ admin: RELAYS_PATH, ingest: INGEST_RELAYS_PATH });
    for (const key of ['ANY /relays', 'ANY /relays/{proxy+}', 'GET /ingest/relays']) expect(routeFunction(template, key), key).toMatch(/^UsersFunction/);
    expect(routes.get('ANY /relays')!.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(routes.get('GET /ingest/relays')!.AuthorizationType).toBe('AWS_IAM');
    expect(routesOf(tokenAuth.apiTemplate).get('GET /ingest/relays')!.AuthorizationType ?? 'NONE').toBe('NONE');
    const env = envOf(template, 'users');
    expect(env).toMatchObject({ STREAMGATE_RELAY_ALLOW_PRIVATE: 'off', STREAMGATE_ACL_AUTH: 'iam', STREAMGATE_RELAYS_TABLE: expect.anything() });
    expect(envOf(tokenAuth.apiTemplate, 'users')).toMatchObject({ STREAMGATE_ACL_AUTH: 'token', STREAMGATE_SERVICE_TOKEN_ARN: expect.anything() });
    const relaysTableArn = all.api.resolve(all.data.relays.table.tableArn) as unknown;
    const onRelays = statementsOf(template, 'UsersFunction').filter((s) => JSON.stringify(resources(s)) === JSON.stringify([relaysTableArn]));
    expect(onRelays.flatMap(actions).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem']);
    for (const fn of ['TokenFunction', 'AclFunction']) {
      expect(JSON.stringify(statementsOf(template, fn)), fn).not.toContain(JSON.stringify(relaysTableArn));
    }
  });

  it('declares the token routes at the paths of the ingest ↔ functions contract', () => {
    expect(TOKEN_ROUTES).toEqual({ ingest: TOKEN_PATH, wowza: WOWZA_TOKEN_PATH });
  });

  it('with exposeToken=true keeps /token behind IAM for the ingest and adds a public /wowza/token on the token Lambda', () => {
    const routes = routesOf(exposed.apiTemplate);
    for (const key of ['POST /token', 'GET /token', 'POST /acl']) expect(routes.get(key)?.AuthorizationType, key).toBe('AWS_IAM');
    for (const key of ['POST /wowza/token', 'GET /wowza/token']) {
      expect(routes.get(key), key).toBeDefined();
      expect(routes.get(key)!.AuthorizationType ?? 'NONE', key).toBe('NONE');
      expect(routeFunction(exposed.apiTemplate, key), key).toMatch(/^TokenFunction/);
    }
    // API Gateway may invoke the token Lambda for the new route, and only for the API's own ARN.
    exposed.apiTemplate.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TokenFunction'), 'Arn'] },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/wowza/token$')])] },
    });
    exposed.apiTemplate.hasOutput('WowzaTokenUrl', {
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Api'), 'ApiEndpoint'] }, '/wowza/token']] },
    });
  });

  it('has no /wowza/token route or output unless exposeToken=true', () => {
    for (const t of [template, tokenAuth.apiTemplate]) {
      expect([...routesOf(t).keys()].filter((k) => k.includes('wowza'))).toEqual([]);
      expect(Object.keys(t.findOutputs('WowzaTokenUrl'))).toEqual([]);
    }
  });

  it('still lets the ingest role invoke only /acl and /token (not /wowza/token) with exposeToken=true', () => {
    const t = exposed.ingestTemplate;
    const arns = taskRoleStatements(t)
      // The cluster registry and task-protection grants are tested in cluster-infra.test.ts.
      .filter((st) => st.Action === 'execute-api:Invoke')
      .flatMap((st) => st.Resource.map((r) => JSON.stringify(r)));
    expect(arns).toHaveLength(4);
    expect(arns.some((a) => a.includes('wowza'))).toBe(false);
  });

  it('with aclAuth=token leaves /acl to the app, which gets the service token secret, and opens /token', () => {
    const routes = routesOf(tokenAuth.apiTemplate);
    expect(routes.get('POST /acl')!.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(routes.get('POST /token')!.AuthorizationType ?? 'NONE').toBe('NONE');
    tokenAuth.apiTemplate.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'streamgate-dev-acl',
      Environment: { Variables: Match.objectLike({ STREAMGATE_ACL_AUTH: 'token', STREAMGATE_SERVICE_TOKEN_ARN: Match.anyValue() }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'streamgate-dev-acl',
      Environment: { Variables: Match.objectLike({ STREAMGATE_ACL_AUTH: 'iam', STREAMGATE_ACL_TTL_SECONDS: '30' }) },
    });
  });

  it('with aclAuth=token gives the token Lambda the service token (read-only, that one secret) so it knows the ingest', () => {
    const t = tokenAuth.apiTemplate;
    const serviceTokenRef = tokenAuth.api.resolve(tokenAuth.data.serviceToken.secret.secretArn) as unknown;
    const env = envOf(t, 'token');
    expect(Object.keys(env).filter((k) => k.endsWith('_ARN')).sort()).toEqual([
      'STREAMGATE_PASSWORD_KEY_ARN',
      'STREAMGATE_SERVICE_TOKEN_ARN',
      'STREAMGATE_TEA_SECRET_ARN',
    ]);
    expect(env.STREAMGATE_SERVICE_TOKEN_ARN).toEqual(serviceTokenRef);
    const onServiceToken = statementsOf(t, 'Token').filter((s) => resources(s).some((r) => JSON.stringify(r) === JSON.stringify(serviceTokenRef)));
    expect(onServiceToken).toHaveLength(1);
    expect(actions(onServiceToken[0])).toEqual(['secretsmanager:GetSecretValue']);
    expect(resources(onServiceToken[0])).toHaveLength(1);
    // With IAM the ingest sends no bearer: the token Lambda gets no service token to leak.
    expect(envOf(template, 'token')).not.toHaveProperty('STREAMGATE_SERVICE_TOKEN_ARN');
  });

  it('with aclAuth=token and exposeToken=true serves both token routes without an authorizer', () => {
    const both = synthAll({ aclAuth: 'token', exposeToken: 'true' });
    const routes = routesOf(both.apiTemplate);
    for (const key of ['POST /token', 'GET /token', 'POST /wowza/token', 'GET /wowza/token', 'POST /acl']) {
      expect(routes.get(key)?.AuthorizationType ?? 'NONE', key).toBe('NONE');
    }
    expect(envOf(both.apiTemplate, 'token')).toHaveProperty('STREAMGATE_SERVICE_TOKEN_ARN');
  });

  it('tells each function the table and exactly the secrets it needs', () => {
    const env = (name: string) => envOf(template, name);
    const secretVars = (name: string) => Object.keys(env(name)).filter((k) => k.endsWith('_ARN')).sort();
    expect(secretVars('token')).toEqual(['STREAMGATE_PASSWORD_KEY_ARN', 'STREAMGATE_TEA_SECRET_ARN']);
    expect(secretVars('acl')).toEqual([]);
    expect(secretVars('users')).toEqual(['STREAMGATE_ADMIN_TOKEN_ARN', 'STREAMGATE_PASSWORD_KEY_ARN']);
    for (const name of ['token', 'acl', 'users']) expect(env(name).STREAMGATE_USERS_TABLE).toBeDefined();
  });

  it('gives each function exactly the actions its code calls, on our table, secrets and own log group only', () => {
    const byService = (prefix: string) => {
      const out: Record<string, string[]> = {};
      for (const s of statementsOf(template, prefix)) {
        for (const r of resources(s)) expect(r, `${prefix}: ${actions(s).join()}`).not.toBe('*');
        for (const a of actions(s)) (out[a.split(':')[0]] ??= []).push(a);
      }
      for (const k of Object.keys(out)) out[k] = [...new Set(out[k])].sort();
      return out;
    };
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    expect(byService('Token')).toEqual({ dynamodb: ['dynamodb:GetItem'], secretsmanager: ['secretsmanager:GetSecretValue'], logs });
    expect(byService('Acl')).toEqual({ dynamodb: ['dynamodb:GetItem'], logs });
    expect(byService('Users')).toEqual({
      dynamodb: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      secretsmanager: ['secretsmanager:GetSecretValue'],
      logs,
    });
  });

  it('attaches no managed policy to a function role and lets each write only its own log group', () => {
    for (const prefix of ['Token', 'Acl', 'Users']) {
      const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))!;
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
      const logGroup = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logStatement = statementsOf(template, prefix).find((s) => actions(s).includes('logs:PutLogEvents'))!;
      expect(resources(logStatement)).toEqual([{ 'Fn::GetAtt': [logGroup, 'Arn'] }]);
    }
  });

  it('allows the ingest task role execute-api:Invoke on POST /acl, GET/POST /token and GET /ingest/relays only', () => {
    const t = all.ingestTemplate;
    const statements = taskRoleStatements(t)
      // The cluster registry and task-protection grants are tested in cluster-infra.test.ts.
      .filter((st) => st.Action === 'execute-api:Invoke' || [st.Action].flat().every((a) => !a.startsWith('dynamodb:') && !a.startsWith('ecs:')));
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('execute-api:Invoke');
    const arns = statements[0].Resource.map((r) => JSON.stringify(r));
    expect(arns).toHaveLength(4);
    // The one stage by name, no wildcard.
    expect(arns.some((a) => a.includes('/$default/POST/acl'))).toBe(true);
    expect(arns.some((a) => a.includes('/$default/GET/token'))).toBe(true);
    expect(arns.some((a) => a.includes('/$default/POST/token'))).toBe(true);
    expect(arns.some((a) => a.includes('/$default/GET/ingest/relays'))).toBe(true);
    for (const a of arns) expect(a).not.toContain('*');
  });

  it('wires the ingest to the API URL of the api stack', () => {
    all.ingestTemplate.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: 'STREAMGATE_FUNCTIONS_URL', Value: { 'Fn::ImportValue': Match.stringLikeRegexp('streamgate-dev-api') } }]),
        }),
      ],
    });
  });

  it('serves everything from one auto-deployed, throttled $default stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('writes a JSON access log line per request, with the ids that lead into the function log, to a log group with retention', () => {
    const [, stage] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0];
    const settings = stage.Properties.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', integrationRequestId: '$context.integration.requestId' });
    const logGroup = template.toJSON().Resources[settings.DestinationArn['Fn::GetAtt'][0]];
    expect(logGroup.Properties).toMatchObject({ LogGroupName: '/aws/apigateway/streamgate-dev', RetentionInDays: 30 });
  });

  it('alarms on API 5xx answers and notifies the SNS topic from context', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5xx', Namespace: 'AWS/ApiGateway', Threshold: 5 });
    expect(resourcesOf(template, 'AWS::CloudWatch::Alarm')[0][1].Properties.AlarmActions).toBeUndefined();
    const topic = 'arn:aws:sns:eu-west-1:123456789012:streamgate-ops';
    synthAll({ alarmTopicArn: topic }).apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5xx', AlarmActions: [topic] });
  });

  it('outputs the API URL and the plain name of the admin token secret', () => {
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Api'), 'ApiEndpoint'] } });
    template.hasOutput('AdminTokenSecret', { Value: 'streamgate/dev/admin-token' });
  });
});
