import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { sigv4Sign, type AwsCredentials } from '#ingest/auth/sigv4-sign.js';

// The AWS SDK's own signer (a transitive dependency of @aws-sdk, used here only as a reference).
async function smithySign(opts: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  credentials: AwsCredentials;
  region: string;
  service: string;
  now: Date;
  applyChecksum?: boolean;
}): Promise<Record<string, string>> {
  const u = new URL(opts.url);
  const query: Record<string, string | string[]> = {};
  for (const part of u.search.slice(1).split('&').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({
    credentials: opts.credentials,
    region: opts.region,
    service: opts.service,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: opts.applyChecksum ?? false,
  });
  const signed = await signer.sign(
    {
      method: opts.method,
      protocol: u.protocol,
      hostname: u.hostname,
      port: u.port === '' ? undefined : Number(u.port),
      path: u.pathname,
      query,
      headers: { ...opts.headers, host: u.host },
      body: opts.body,
    },
    { signingDate: opts.now },
  );
  return signed.headers as Record<string, string>;
}

const AWS_SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  now: new Date('2015-08-30T12:36:00Z'),
};

describe('sigv4Sign matches the AWS SigV4 test suite', () => {
  const scope = 'Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';
  const cases: { name: string; method: string; url: string; headers: Record<string, string>; body: string; signed: string; signature: string }[] = [
    { name: 'get-vanilla', method: 'GET', url: 'https://example.amazonaws.com/', headers: {}, body: '', signed: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
    { name: 'post-vanilla', method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '', signed: 'host;x-amz-date', signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
    { name: 'get-vanilla-query-order-key-case', method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', headers: {}, body: '', signed: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
    {
      name: 'post-x-www-form-urlencoded',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
      signed: 'content-type;host;x-amz-date',
      signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    },
  ];
  for (const c of cases) {
    it(`signs ${c.name} with the published signature`, async () => {
      const out = await sigv4Sign({ ...AWS_SUITE, method: c.method, url: c.url, headers: c.headers, body: c.body });
      expect(out.headers['x-amz-date']).toBe('20150830T123600Z');
      expect(out.headers.authorization).toBe(`AWS4-HMAC-SHA256 ${scope}, SignedHeaders=${c.signed}, Signature=${c.signature}`);
    });
  }

  it('signs the IAM ListUsers example of the SigV4 documentation', async () => {
    const out = await sigv4Sign({
      ...AWS_SUITE,
      service: 'iam',
      method: 'GET',
      url: 'https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: '',
    });
    expect(out.signature).toBe('5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });
});

describe('sigv4Sign maps a wire request onto the AWS SDK signer as the SDK itself does', () => {
  const task: AwsCredentials = {
    accessKeyId: 'ASIAEXAMPLETASKROLE1',
    secretAccessKey: 'aB3+/cdEfgHIjkLMnoPQrStuVWxyz0123456789ab',
    sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJGMEQCIHsessiontokenwithslashes/and+plus==',
  };
  const api = 'https://abc123defg.execute-api.eu-west-1.amazonaws.com';
  const cases: { name: string; method: string; url: string; headers: Record<string, string>; body: string; credentials?: AwsCredentials }[] = [
    { name: 'the ingest /token form POST', method: 'POST', url: `${api}/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'clientid=0a1b2c3d4e5f60718293a4b5c6d7e8f9' },
    {
      name: 'the ingest /acl JSON POST',
      method: 'POST',
      url: `${api}/acl`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice', action: 'publish', app: 'live', stream: 'cam1', ip: '203.0.113.9' }),
    },
    { name: 'a GET with a query string needing encoding', method: 'GET', url: `${api}/token?b=2&a=x%20y&a=%2Fslash&empty=&c=%C3%A9t%C3%A9&star=*`, headers: {}, body: '' },
    { name: 'a path needing encoding', method: 'GET', url: `${api}/users/caf%C3%A9/a%20b/it's(1)`, headers: { accept: 'application/json' }, body: '' },
    { name: 'a path with empty and dot segments', method: 'POST', url: `${api}//stage/./x/../acl/`, headers: {}, body: '' },
    { name: 'a non-default port and header values with runs of spaces', method: 'POST', url: 'http://127.0.0.1:3000/acl', headers: { 'content-type': 'application/json', 'X-Custom': '  a   b  c ' }, body: '{}' },
    { name: 'a UTF-8 JSON body', method: 'POST', url: `${api}/acl`, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"user":"zoë","stream":"日本"}' },
    { name: 'long-term keys without a session token', method: 'POST', url: `${api}/acl`, headers: { 'content-type': 'application/json' }, body: '{}', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } },
  ];
  const now = new Date('2026-03-04T05:06:07.891Z');
  for (const c of cases) {
    it(`produces the SDK's headers for ${c.name}`, async () => {
      const credentials = c.credentials ?? task;
      const mine = await sigv4Sign({ method: c.method, url: c.url, headers: c.headers, body: c.body, credentials, region: 'eu-west-1', service: 'execute-api', now });
      const theirs = await smithySign({ method: c.method, url: c.url, headers: c.headers, body: c.body, credentials, region: 'eu-west-1', service: 'execute-api', now });
      expect(mine.headers.authorization).toBe(theirs.authorization);
      expect(mine.headers['x-amz-date']).toBe(theirs['x-amz-date']);
      expect(mine.headers['x-amz-security-token']).toBe(theirs['x-amz-security-token']);
      if (credentials.sessionToken) expect(mine.headers.authorization).toContain('x-amz-security-token');
    });
  }

  it("produces the SDK's headers when x-amz-content-sha256 is sent too", async () => {
    const c = { method: 'POST', url: `${api}/acl`, headers: { 'content-type': 'application/json' }, body: '{"a":1}', credentials: task, region: 'eu-west-1', service: 'execute-api', now };
    const mine = await sigv4Sign({ ...c, contentSha256Header: true });
    const theirs = await smithySign({ ...c, applyChecksum: true });
    expect(mine.headers['x-amz-content-sha256']).toBe(theirs['x-amz-content-sha256']);
    expect(mine.headers.authorization).toBe(theirs.authorization);
  });

  it('leaves authorization, user-agent and content-length out of the signed headers', async () => {
    const out = await sigv4Sign({
      method: 'POST',
      url: `${api}/acl`,
      headers: { authorization: 'Bearer x', 'user-agent': 'node', 'content-length': '2', 'content-type': 'application/json' },
      body: '{}',
      credentials: task,
      region: 'eu-west-1',
      service: 'execute-api',
      now,
    });
    expect(out.headers.authorization).toContain('SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,');
  });

  it('changes the signature when the body, the time or the region changes', async () => {
    const base = { method: 'POST', url: `${api}/acl`, headers: {}, body: '{}', credentials: task, region: 'eu-west-1', service: 'execute-api', now };
    const sig = (await sigv4Sign(base)).signature;
    expect((await sigv4Sign({ ...base, body: '{ }' })).signature).not.toBe(sig);
    expect((await sigv4Sign({ ...base, now: new Date(now.getTime() + 1000) })).signature).not.toBe(sig);
    expect((await sigv4Sign({ ...base, region: 'us-east-1' })).signature).not.toBe(sig);
    expect((await sigv4Sign({ ...base, body: Buffer.from('{}') })).signature).toBe(sig);
  });
});
