import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_RESPONSE_MAX_BYTES, fetchJson } from '#ingest/auth/fetch-json.js';
import { httpFetch } from '#ingest/auth/http-fetch.js';

// httpFetch against a real HTTP server on loopback: what the token, acl and relays clients need.
let server: Server;
let url = '';
let seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/redirect') res.writeHead(302, { location: '/json' }).end();
      else if (req.url === '/big') res.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(AUTH_RESPONSE_MAX_BYTES * 2)}"`);
      else if (req.url === '/never') return; // no answer
      else res.writeHead(200, { 'content-type': 'application/json', 'x-two': ['a', 'b'] }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

describe('httpFetch', () => {
  it('sends the method, headers and text body with its Content-Length, and answers status, headers and body', async () => {
    seen = [];
    const res = await httpFetch(`${url}/json`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: 'Bearer t' }, body: 'clientid=é', signal: AbortSignal.timeout(2000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('x-two')).toBe('a, b');
    expect(res.headers.get('x-missing')).toBeNull();
    expect(await new Response(res.body).text()).toBe('{"ok":true}');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/json', body: 'clientid=é' });
    expect(seen[0]!.headers['content-length']).toBe(String(Buffer.byteLength('clientid=é')));
    expect(seen[0]!.headers.authorization).toBe('Bearer t');
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    seen = [];
    const res = await httpFetch(`${url}/redirect`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(2000) });
    expect(res.status).toBe(302);
    await res.body?.cancel();
    expect(seen.map((s) => s.url)).toEqual(['/redirect']);
  });

  it('rejects once its signal aborts while the server does not answer', async () => {
    await expect(httpFetch(`${url}/never`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(100) })).rejects.toThrow();
  });

  it('rejects a refused connection and a scheme it does not speak', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(httpFetch(`http://127.0.0.1:${port}/`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    await expect(httpFetch('ftp://127.0.0.1/', { method: 'GET', headers: {}, signal: AbortSignal.timeout(2000) })).rejects.toThrow(/scheme/);
  });

  it('under fetchJson: a body past the limit is cut off with the coded error, a redirect is a bad status', async () => {
    await expect(fetchJson(httpFetch, `${url}/big`, { headers: {}, body: '', signal: AbortSignal.timeout(2000) })).rejects.toMatchObject({ code: 'auth_bad_body' });
    await expect(fetchJson(httpFetch, `${url}/redirect`, { headers: {}, body: '', signal: AbortSignal.timeout(2000) })).rejects.toMatchObject({ code: 'auth_bad_status' });
    await expect(fetchJson(httpFetch, `${url}/never`, { headers: {}, body: '', signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ code: 'auth_timeout' });
  });
});
