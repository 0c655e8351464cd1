import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readIntoSharedBuffer } from '#ingest/servers/shared-read-buffer.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A loopback server whose accepted sockets read into the shared buffer; returns what each read gave. */
async function serve() {
  const reads: Buffer[] = [];
  const views: Buffer[] = [];
  const events: string[] = [];
  const accepted: Socket[] = [];
  let wired = false;
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('end', () => events.push('end'));
    wired = readIntoSharedBuffer(socket, (bytes) => {
      views.push(bytes);
      reads.push(Buffer.from(bytes));
    });
    socket.on('data', () => events.push('data'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  closers.push(() => client.destroy());
  await once(client, 'connect');
  return { reads, views, events, accepted, client, wired: () => wired };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('readIntoSharedBuffer', () => {
  it("hands a plain TCP socket's reads over as views of one buffer, with no 'data' events", async () => {
    const s = await serve();
    s.client.write(Buffer.from('first'));
    await until(() => s.reads.length === 1);
    s.client.write(Buffer.from('second read'));
    await until(() => Buffer.concat(s.reads).length === 16);
    expect(s.wired()).toBe(true);
    expect(Buffer.concat(s.reads).toString()).toBe('firstsecond read');
    expect(new Set(s.views.map((v) => v.buffer)).size).toBe(1);
    expect(s.events).toEqual([]);
  });

  it("still ends the socket ('end') when the peer closes its side", async () => {
    const s = await serve();
    s.client.end(Buffer.from('bye'));
    await until(() => s.events.includes('end'));
    expect(Buffer.concat(s.reads).toString()).toBe('bye');
    expect(s.events).toEqual(['end']);
  });

  it("leaves other streams alone, and sockets someone already reads with 'data' (the raw-byte dump)", async () => {
    const { PassThrough } = await import('node:stream');
    expect(readIntoSharedBuffer(new PassThrough(), () => {})).toBe(false);
    const s = await serve();
    const socket = s.accepted[0]!;
    socket.removeAllListeners('data');
    socket.on('data', () => {});
    expect(readIntoSharedBuffer(socket, () => {})).toBe(false);
  });
});
