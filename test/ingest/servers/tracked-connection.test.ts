import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '#domain/logger.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { ConnectionRegistry } from '#ingest/servers/connection-registry.js';
import { TrackedConnection, type TrackedConnectionInit } from '#ingest/servers/tracked-connection.js';

function tracked(extra: Partial<TrackedConnectionInit> = {}) {
  const registry = new ConnectionRegistry();
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const socket = new PassThrough();
  const conn = new TrackedConnection({ registry, log, protocol: 'rtmps', events: 'rtmp', socket, remoteAddress: '10.0.0.7', ...extra });
  return { registry, lines, socket, conn };
}

describe('TrackedConnection', () => {
  it('is listed in the registry with its protocol, remote address and byte counters, and leaves it on close', () => {
    const { registry, conn } = tracked({ app: 'live' });
    const entry = registry.get(conn.id)!;
    expect(entry).toMatchObject({ id: conn.id, protocol: 'rtmps', remoteAddress: '10.0.0.7', app: 'live' });
    conn.bytesIn += 10;
    expect(conn.write(new Uint8Array(4))).toBe(true);
    expect([entry.bytesIn(), entry.bytesOut()]).toEqual([10, 4]);
    conn.close('peer-ended');
    expect(registry.get(conn.id)).toBeUndefined();
  });

  it('counts the bytes of its direct writer (media of the fan-out) in the entry and the close line, beside write()', () => {
    const { registry, lines, conn } = tracked();
    const entry = registry.get(conn.id)!;
    const direct = conn.directWriter();
    expect(conn.directWriter()).toBe(direct);
    conn.write(new Uint8Array(4));
    direct.writeAll([Buffer.alloc(100), Buffer.alloc(28)]);
    direct.write(Buffer.alloc(3));
    expect(entry.bytesOut()).toBe(135);
    conn.close('peer-ended');
    expect(lines.find((l) => l.event === 'connection.close')).toMatchObject({ bytesOut: 135 });
  });

  it('releases once and logs one connection.close with the entry, the counters and the release fields', () => {
    const { lines, socket, conn } = tracked({ release: (reason) => ({ released: reason }) });
    conn.entry.role = 'publisher';
    conn.entry.stream = 'cam';
    conn.close('peer-closed', { code: 'X' });
    conn.close('again');
    const closes = lines.filter((l) => l.event === 'connection.close');
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({
      conn: conn.id,
      protocol: 'rtmps',
      remote: '10.0.0.7',
      reason: 'peer-closed',
      code: 'X',
      released: 'peer-closed',
      role: 'publisher',
      stream: 'cam',
      bytesIn: 0,
      bytesOut: 0,
    });
    expect(socket.destroyed).toBe(true);
    expect(conn.write(new Uint8Array(1))).toBe(false);
  });

  it('a coded ProtocolError is a warning with its code, anything else an internal error; both close', () => {
    const coded = tracked();
    coded.conn.fail(new ProtocolError('RTMP_MESSAGE_TOO_LONG', 'too large'));
    expect(coded.lines.find((l) => l.event === 'rtmp.protocol-error')).toMatchObject({ level: 'warn', code: 'RTMP_MESSAGE_TOO_LONG' });
    expect(coded.lines.find((l) => l.event === 'connection.close')).toMatchObject({ reason: 'protocol-error', code: 'RTMP_MESSAGE_TOO_LONG' });
    const bug = tracked();
    bug.conn.fail(new TypeError('oops'));
    expect(bug.lines.find((l) => l.event === 'rtmp.internal-error')).toMatchObject({ level: 'error' });
    expect(bug.lines.find((l) => l.event === 'connection.close')).toMatchObject({ reason: 'internal-error' });
  });

  it('closeSoon ends the socket and keeps its reason whatever event closes it later', async () => {
    const { lines, socket, conn } = tracked();
    conn.closeSoon('teardown');
    expect(socket.writableEnded).toBe(true);
    conn.close('peer-closed');
    expect(lines.find((l) => l.event === 'connection.close')).toMatchObject({ reason: 'teardown' });
  });

  it('an admin kick closes, logged with the kick reason, unless the connection says how to be kicked', () => {
    const { registry, lines, conn } = tracked();
    registry.get(conn.id)!.kick('shutdown');
    expect(lines.find((l) => l.event === 'connection.close')).toMatchObject({ reason: 'shutdown' });
    expect(registry.size).toBe(0);
    const kicks: string[] = [];
    const own = tracked({ kick: (reason) => kicks.push(reason) });
    own.registry.get(own.conn.id)!.kick('shutdown');
    expect(kicks).toEqual(['shutdown']);
  });

  it('dump: false keeps the socket out of the entry (no raw-byte dump)', () => {
    expect(tracked().conn.entry.socket).toBeDefined();
    expect(tracked({ dump: false }).conn.entry.socket).toBeUndefined();
  });
});
