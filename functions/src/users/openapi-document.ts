const nameParam = { name: 'name', in: 'path', required: true, schema: { $ref: '#/components/schemas/UserName' } };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const userOk = { description: 'the user', ...json({ $ref: '#/components/schemas/User' }) };
const adminErrors = {
  '400': err('invalid input; `field` names it'),
  '401': {
    ...err('missing or wrong admin token'),
    headers: { 'WWW-Authenticate': { description: '`Bearer realm="streamgate"`', schema: { type: 'string' } } },
  },
  '404': err('no such user'),
  '413': err('body too large'),
  '429': {
    ...err('this source sent too many wrong admin tokens (10 a minute); every request from it gets 429 until the minute ends'),
    headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } },
  },
};
const tokenPost = (summary: string) => ({
  summary,
  requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { clientid: { type: 'string', maxLength: 512 } } } } } },
  responses: {
    '200': { description: '`{"publisherToken": hex}` or, for every failure, `{"error":"Invalid Client"}`', ...json({ type: 'object' }) },
  },
});
const tokenGet = { summary: 'version probe', responses: { '200': { description: '`{"Auth Server Version":"v1.0"}`', ...json({ type: 'object' }) } } };
const admin = [{ adminToken: [] }];

/**
 * The OpenAPI 3.1 description of every streamgate functions route (served at `/openapi.json`).
 * Hand-written; a test walks every path and method here against the apps.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'streamgate functions', version: '1.0.0', description: 'Token provider (Wowza-compatible), stream ACL and users API.' },
  components: {
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'operators: STREAMGATE_ADMIN_TOKEN' },
      serviceToken: { type: 'http', scheme: 'bearer', description: 'the ingest: STREAMGATE_SERVICE_TOKEN (or IAM in AWS)' },
    },
    schemas: {
      UserName: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
      Pattern: { type: 'string', maxLength: 128, description: 'STREAM or APP/STREAM, `*` wildcards, case-insensitive, `?query` dropped' },
      Grants: {
        type: 'object',
        additionalProperties: false,
        properties: { publish: { type: 'array', maxItems: 100, items: { $ref: '#/components/schemas/Pattern' } }, play: { type: 'array', maxItems: 100, items: { $ref: '#/components/schemas/Pattern' } } },
      },
      User: {
        type: 'object',
        required: ['name', 'enabled', 'grants', 'ipRanges', 'createdAt', 'updatedAt', 'version'],
        properties: {
          name: { $ref: '#/components/schemas/UserName' },
          enabled: { type: 'boolean' },
          grants: { $ref: '#/components/schemas/Grants' },
          ipRanges: { type: 'array', items: { type: 'string', description: 'CIDR v4/v6' } },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          version: { type: 'integer', minimum: 1 },
        },
      },
      NewUser: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'password'],
        properties: {
          name: { $ref: '#/components/schemas/UserName' },
          password: {
            type: 'string',
            minLength: 8,
            maxLength: 64,
            writeOnly: true,
            description: 'not one of the most common passwords (`common_password`), not the user name (`password_is_name`)',
          },
          enabled: { type: 'boolean', default: true },
          grants: { $ref: '#/components/schemas/Grants' },
          ipRanges: { type: 'array', maxItems: 50, items: { type: 'string' } },
        },
      },
      UserPatch: {
        type: 'object',
        additionalProperties: false,
        description:
          'A partial update: each field given replaces that field, a field left out keeps its value. In `grants`, each list given (`publish`, `play`) replaces that list only; a list left out keeps its patterns, `[]` empties it.',
        properties: {
          enabled: { type: 'boolean', description: 'replaces the enabled flag' },
          grants: {
            type: 'object',
            additionalProperties: false,
            properties: {
              publish: { type: 'array', maxItems: 100, items: { $ref: '#/components/schemas/Pattern' }, description: 'replaces the publish list (left out: kept)' },
              play: { type: 'array', maxItems: 100, items: { $ref: '#/components/schemas/Pattern' }, description: 'replaces the play list (left out: kept)' },
            },
          },
          ipRanges: { type: 'array', maxItems: 50, items: { type: 'string' }, description: 'replaces the IP ranges; `[]` = from anywhere' },
          version: { type: 'integer', minimum: 1, description: 'optimistic concurrency: 409 when the stored version differs' },
        },
      },
      RelayInput: {
        type: 'object',
        additionalProperties: false,
        required: ['stream'],
        description: 'exactly one of push and pull; URLs: link-local addresses always refused, private/loopback ones unless the deployment allows them (checked again on the resolved address at connect time)',
        properties: {
          stream: { type: 'string', description: 'APP/STREAM (push: `*` patterns allowed, e.g. live/*)' },
          push: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', maxLength: 2048, description: 'rtmp(s)://HOST[:PORT]/APP/KEY; `{name}` and `{path}` are replaced for patterns' } },
          pull: { type: 'string', maxLength: 2048, description: 'rtmp(s)://…/APP/STREAM, rtsp://[user:pass@]host/path[?transport=udp], http(s)://…/APP/STREAM.flv' },
          mode: { enum: ['on-demand', 'always'], description: 'pull only; default on-demand' },
          owner: { $ref: '#/components/schemas/UserName', description: 'the relay is this user\'s: they must be allowed to publish the stream' },
        },
      },
      Relay: {
        type: 'object',
        required: ['id', 'stream', 'createdAt'],
        properties: {
          id: { type: 'string' },
          stream: { type: 'string' },
          push: { type: 'array', items: { type: 'string' }, description: 'redacted: stream keys, passwords and queries are ***' },
          pull: { type: 'string', description: 'redacted' },
          mode: { enum: ['on-demand', 'always'] },
          owner: { type: 'string' },
          createdAt: { type: 'string' },
          enabled: { type: 'boolean', enum: [false], description: 'present (false) only while the relay is turned off: kept, not run' },
        },
      },
      Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } },
      AclRequest: {
        type: 'object',
        required: ['action', 'app', 'stream', 'ip'],
        properties: { user: { type: 'string' }, action: { enum: ['publish', 'play'] }, app: { type: 'string' }, stream: { type: 'string' }, ip: { type: 'string' } },
      },
      AclResponse: {
        type: 'object',
        required: ['allowed', 'reason', 'ttlSeconds'],
        properties: {
          allowed: { type: 'boolean' },
          reason: { enum: ['grant_matched', 'no_user', 'unknown_user', 'user_disabled', 'ip_not_allowed', 'no_matching_grant', 'invalid_stream'] },
          ttlSeconds: { type: 'integer' },
        },
      },
    },
  },
  paths: {
    '/relays': {
      get: { summary: 'list relays (URLs redacted)', security: admin, responses: { '200': { description: 'relays', ...json({ type: 'object', properties: { relays: { type: 'array', items: { $ref: '#/components/schemas/Relay' } } } }) }, ...adminErrors } },
      post: {
        summary: 'add a push relay (restream targets) or a pull relay (remote source); URLs are stored encrypted',
        security: admin,
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/RelayInput' }) },
        responses: { '201': { description: 'the relay (URLs redacted)', ...json({ $ref: '#/components/schemas/Relay' }) }, ...adminErrors },
      },
    },
    '/relays/{id}': {
      delete: {
        summary: 'remove a relay (the ingest stops it within its poll interval)',
        security: admin,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': { description: 'removed' }, ...adminErrors, '404': err('no such relay') },
      },
    },
    '/relays/{id}/disable': {
      post: {
        summary: 'turn a relay off: kept, but the ingest stops it within its poll interval',
        security: admin,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the relay (URLs redacted)', ...json({ $ref: '#/components/schemas/Relay' }) }, ...adminErrors, '404': err('no such relay') },
      },
    },
    '/relays/{id}/enable': {
      post: {
        summary: 'turn a relay on again',
        security: admin,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the relay (URLs redacted)', ...json({ $ref: '#/components/schemas/Relay' }) }, ...adminErrors, '404': err('no such relay') },
      },
    },
    '/ingest/relays': {
      get: {
        summary: 'every relay with URLs in clear, for the ingest',
        security: [{ serviceToken: [] }],
        responses: { '200': { description: 'relays', ...json({ type: 'object' }) }, '401': err('no service credential') },
      },
    },
    '/token': {
      post: tokenPost('Wowza third-party token provider: TEA(user) in, TEA(password) out (the ingest; IAM-only in AWS)'),
      get: tokenGet,
    },
    '/wowza/token': {
      post: tokenPost('the same token provider for an external Wowza server (its serverTokenValidatorURL); in AWS only with exposeToken=true; failures throttled per source'),
      get: tokenGet,
    },
    '/acl': {
      post: {
        summary: 'may this user publish/play this stream?',
        security: [{ serviceToken: [] }],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/AclRequest' }) },
        responses: {
          '200': { description: 'decision', ...json({ $ref: '#/components/schemas/AclResponse' }) },
          '400': err('invalid request'),
          '401': { ...err('no service credential'), headers: { 'WWW-Authenticate': { description: '`Bearer realm="streamgate"`', schema: { type: 'string' } } } },
        },
      },
    },
    '/users': {
      get: {
        summary: 'list users (paginated)',
        security: admin,
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'a page', ...json({ type: 'object', properties: { users: { type: 'array', items: { $ref: '#/components/schemas/User' } }, nextCursor: { type: 'string' } } }) },
          ...adminErrors,
        },
      },
      post: {
        summary: 'create a user (names are unique case-insensitively: 409 when another spelling exists)',
        security: admin,
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/NewUser' }) },
        responses: { '201': userOk, ...adminErrors, '409': err('user exists') },
      },
    },
    '/users/re-encrypt': {
      post: {
        summary: 'rewrite one page of stored passwords under the current password key (after a key rotation); repeat with nextCursor',
        security: admin,
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
          { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'counts of the page; failed lists users whose password no key of the ring decrypts',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    scanned: { type: 'integer' },
                    reEncrypted: { type: 'integer' },
                    failed: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, code: { type: 'string' } } } },
                    nextCursor: { type: 'string' },
                  },
                },
              },
            },
          },
          ...adminErrors,
        },
      },
    },
    '/users/{name}': {
      parameters: [nameParam],
      get: { summary: 'show a user', security: admin, responses: { '200': userOk, ...adminErrors } },
      patch: {
        summary: 'change only what the body names: enabled, grants.publish, grants.play, ipRanges (each replaces that one field or list; the rest stays)',
        security: admin, requestBody: { required: true, ...json({ $ref: '#/components/schemas/UserPatch' }) },
        responses: { '200': userOk, ...adminErrors, '409': err('stale version') },
      },
      delete: { summary: 'delete a user', security: admin, responses: { '204': { description: 'deleted' }, ...adminErrors } },
    },
    '/users/{name}/password': {
      parameters: [nameParam],
      put: {
        summary: 'replace the password (nothing else changes)',
        security: admin,
        requestBody: { required: true, ...json({ type: 'object', required: ['password'], properties: { password: { type: 'string', writeOnly: true }, version: { type: 'integer' } } }) },
        responses: { '200': userOk, ...adminErrors, '409': err('stale version') },
      },
    },
    '/users/{name}/enable': { parameters: [nameParam], post: { summary: 'set enabled to true (nothing else changes)', security: admin, responses: { '200': userOk, ...adminErrors } } },
    '/users/{name}/disable': { parameters: [nameParam], post: { summary: 'set enabled to false (nothing else changes)', security: admin, responses: { '200': userOk, ...adminErrors } } },
    '/users/{name}/grants': {
      parameters: [nameParam],
      post: { summary: 'add patterns to the lists given (already granted ones are kept once; nothing is removed)', security: admin, requestBody: { required: true, ...json({ $ref: '#/components/schemas/Grants' }) }, responses: { '200': userOk, ...adminErrors } },
    },
    '/users/{name}/grants/revoke': {
      parameters: [nameParam],
      post: {
        summary: 'remove patterns from the lists given; a pattern the user does not have is a 400 `not_granted` naming it, and then nothing changes',
        security: admin,
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/Grants' }) },
        responses: { '200': userOk, ...adminErrors },
      },
    },
    '/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.1', ...json({ type: 'object' }) } } } },
  },
} as const;
