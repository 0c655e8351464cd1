import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectSocketWriter } from '#ingest/servers/direct-socket-write.js';

const tlsFixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/tls/${name}`, import.meta.url)));
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A connected pair over loopback: the server's accepted socket and the client socket. */
async function tcpPair(): Promise<{ server: Socket; client: Socket }> {
  const listener = createServer();
  closers.push(() => listener.close());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => listener.once('connection', r));
  const client = connect((listener.address() as { port: number }).port, '127.0.0.1');
  const server = await accepted;
  closers.push(() => {
    server.destroy();
    client.destroy();
  });
  return { server, client };
}

function collect(socket: Socket, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    socket.on('data', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= bytes) resolve(Buffer.concat(parts));
    });
  });
}

/** A connected TLS pair over loopback (the fixtures' self-signed certificate): the server's socket and the client's. */
async function tlsPair(): Promise<{ server: tls.TLSSocket; client: tls.TLSSocket }> {
  const listener = tls.createServer({ cert: tlsFixture('localhost-cert.pem'), key: tlsFixture('localhost-key.pem') });
  closers.push(() => listener.close());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<tls.TLSSocket>((r) => listener.once('secureConnection', r));
  const client = tls.connect({ port: (listener.address() as { port: number }).port, host: '127.0.0.1', rejectUnauthorized: false });
  const server = await accepted;
  closers.push(() => {
    server.destroy();
    client.destroy();
  });
  return { server, client };
}

describe('DirectSocketWriter', () => {
  it('delivers every byte in order, mixed with socket.write, when the kernel buffer fills up', async () => {
    const { server, client } = await tcpPair();
    client.pause(); // nobody reads yet: the kernel buffers fill and writes must queue
    const pieces = Array.from({ length: 160 }, () => randomBytes(64 * 1024));
    const direct = new DirectSocketWriter(server);
    const answers: boolean[] = [];
    pieces.forEach((p, i) => answers.push(i % 3 === 2 ? server.write(p) : direct.write(p)));
    expect(answers).toContain(false); // the queueing path was taken
    expect(answers.slice(0, 2)).toEqual([true, true]); // the direct path was taken
    const expected = Buffer.concat(pieces);
    const received = collect(client, expected.length);
    client.resume();
    expect((await received).equals(expected)).toBe(true);
  });

  it('writes lists of parts in order like their concatenation, also when the kernel takes part of a list', async () => {
    const { server, client } = await tcpPair();
    client.pause();
    const lists = Array.from({ length: 60 }, (_, i) => Array.from({ length: 1 + (i % 4) }, () => randomBytes(7000 + i * 1000)));
    const direct = new DirectSocketWriter(server);
    const answers = lists.map((parts, i) => (i % 5 === 4 ? server.write(Buffer.concat(parts)) : direct.writeAll(parts)));
    expect(answers).toContain(false);
    expect(answers[0]).toBe(true);
    const expected = Buffer.concat(lists.flat());
    const received = collect(client, expected.length);
    client.resume();
    expect((await received).equals(expected)).toBe(true);
  });

  it('says the buffer is full like socket.write, and the socket drains as usual', async () => {
    const { server, client } = await tcpPair();
    client.pause();
    const piece = randomBytes(256 * 1024);
    const direct = new DirectSocketWriter(server);
    let sent = 0;
    while (direct.write(piece)) sent += piece.length;
    sent += piece.length;
    expect(server.writableNeedDrain).toBe(true);
    const drained = new Promise((r) => server.once('drain', r));
    const received = collect(client, sent);
    client.resume();
    await drained;
    expect((await received).length).toBe(sent);
  });

  it('goes through the TLS layer for a TLS socket (the peer reads plaintext, not raw bytes)', async () => {
    const { server, client } = await tlsPair();
    const message = randomBytes(100_000);
    const received = collect(client as unknown as Socket, message.length);
    new DirectSocketWriter(server).write(message);
    expect((await received).equals(message)).toBe(true);
  });

  it('keeps no view of the caller\'s buffers on a TLS socket with copyQueued: the TLS layer takes what it is handed at once, the rest is copied', async () => {
    const { server, client } = await tlsPair();
    client.pause(); // nobody reads: the TLS socket's writes stay in flight and Node queues the next ones
    const direct = new DirectSocketWriter(server, true);
    expect(direct.keepsNoViews).toBe(true);
    const sent: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      // Each buffer is overwritten as soon as the writer returns, as a publisher reuses its slabs.
      const parts = i % 2 === 0 ? [randomBytes(64 * 1024)] : [randomBytes(100), randomBytes(30_000), randomBytes(7)];
      sent.push(Buffer.concat(parts));
      if (parts.length === 1) direct.write(parts[0]!);
      else direct.writeAll(parts);
      for (const part of parts) part.fill(0);
    }
    expect(server.writableLength).toBeGreaterThan(0); // Node queued some of it
    const expected = Buffer.concat(sent);
    const received = collect(client as unknown as Socket, expected.length);
    client.resume();
    expect((await received).equals(expected)).toBe(true);
  });

  it('writes through stream.write for a stream without a descriptor', () => {
    const stream = new PassThrough();
    expect(new DirectSocketWriter(stream).write(Buffer.from('abc'))).toBe(true);
    expect(stream.read()).toEqual(Buffer.from('abc'));
  });

  it('reports a peer that is gone through the socket, not by throwing', async () => {
    const { server, client } = await tcpPair();
    const errored = new Promise<unknown>((r) => server.once('error', r));
    const closed = new Promise((r) => server.once('close', r));
    client.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 50));
    const piece = randomBytes(64 * 1024);
    const direct = new DirectSocketWriter(server);
    for (let i = 0; i < 4; i++) expect(() => direct.write(piece)).not.toThrow();
    await expect(errored).resolves.toBeInstanceOf(Error);
    await closed;
    expect(direct.write(piece)).toBe(false); // destroyed: nothing written, no throw
  });
});
