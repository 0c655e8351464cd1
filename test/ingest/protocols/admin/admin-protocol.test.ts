import { describe, expect, it } from 'vitest';
import { AdminLineFramer } from '#ingest/protocols/admin/admin-line-framer.js';
import { AdminSession, type AdminServer } from '#ingest/protocols/admin/admin-session.js';
import {
  encodeAdminRequest,
  parseAdminRequest,
  type AdminRequest,
} from '#ingest/protocols/admin/parse-admin-request.js';
import { ascii, feedings, seededRandom } from '#test/support/feeding.js';
import { mutate } from '#test/support/fuzz.js';
import { codeOf } from '#test/support/expect-code.js';

/** Canonical JSON lines: parse(bytes) = decoded, encode(decoded) = bytes. */
const cases: { name: string; bytes: string; decoded: AdminRequest }[] = [
  { name: 'help', bytes: '{"command":"help"}', decoded: { command: { name: 'help' } } },
  { name: 'version with a numeric id', bytes: '{"command":"version","id":7}', decoded: { command: { name: 'version' }, id: 7 } },
  { name: 'listStreams with a token', bytes: '{"command":"listStreams","token":"s3cret"}', decoded: { command: { name: 'listStreams' }, token: 's3cret' } },
  { name: 'listConnections', bytes: '{"command":"listConnections","id":"a"}', decoded: { command: { name: 'listConnections' }, id: 'a' } },
  { name: 'streamInfo', bytes: '{"command":"streamInfo","stream":"live/cam1"}', decoded: { command: { name: 'streamInfo', stream: 'live/cam1' } } },
  { name: 'kick', bytes: '{"command":"kick","connectionId":"rtmp-12","id":2}', decoded: { command: { name: 'kick', connectionId: 'rtmp-12' }, id: 2 } },
  { name: 'dropStream', bytes: '{"command":"dropStream","stream":"live/cam1"}', decoded: { command: { name: 'dropStream', stream: 'live/cam1' } } },
  { name: 'shutdown', bytes: '{"command":"shutdown"}', decoded: { command: { name: 'shutdown' } } },
];

/** Other spellings we accept (decode only). */
const tolerated: { name: string; line: string; decoded: AdminRequest }[] = [
  { name: 'text form as typed into telnet', line: 'kick connectionId=rtmp-12', decoded: { command: { name: 'kick', connectionId: 'rtmp-12' } } },
  { name: 'lower-case command name', line: 'liststreams', decoded: { command: { name: 'listStreams' } } },
  { name: 'text form with token', line: ' streaminfo stream=live/a token=t ', decoded: { command: { name: 'streamInfo', stream: 'live/a' }, token: 't' } },
];

const errors: { name: string; line: string; code: string }[] = [
  { name: 'broken JSON', line: '{"command":', code: 'ADMIN_BAD_JSON' },
  { name: 'JSON array', line: '["help"]', code: 'ADMIN_UNKNOWN_COMMAND' },
  { name: 'JSON without command', line: '{"id":1}', code: 'ADMIN_BAD_REQUEST' },
  { name: 'numeric command', line: '{"command":5}', code: 'ADMIN_BAD_REQUEST' },
  { name: 'unknown command', line: '{"command":"format c:"}', code: 'ADMIN_UNKNOWN_COMMAND' },
  { name: 'kick without connectionId', line: '{"command":"kick"}', code: 'ADMIN_BAD_ARGUMENT' },
  { name: 'streamInfo with an object stream', line: '{"command":"streamInfo","stream":{}}', code: 'ADMIN_BAD_ARGUMENT' },
  { name: 'overlong stream name', line: `dropStream stream=${'x'.repeat(600)}`, code: 'ADMIN_BAD_ARGUMENT' },
  { name: 'object id', line: '{"command":"help","id":{}}', code: 'ADMIN_BAD_REQUEST' },
  { name: 'text word without =', line: 'kick rtmp-12', code: 'ADMIN_BAD_REQUEST' },
];

class FakeServer implements AdminServer {
  kicked: string[] = [];
  dropped: string[] = [];
  draining = false;
  connections = [
    { connectionId: 'rtmp-1', protocol: 'rtmp', remote: '10.0.0.1:5000' },
    { connectionId: 'http-2', protocol: 'http-flv', remote: '10.0.0.2:6000' },
  ];
  listStreams() {
    return [{ stream: 'live/cam1', readers: 1 }];
  }
  listConnections() {
    return this.connections;
  }
  streamInfo(stream: string) {
    return stream === 'live/cam1' ? { stream, video: 'h264', readers: 1 } : undefined;
  }
  kick(id: string) {
    const before = this.connections.length;
    this.connections = this.connections.filter((c) => c.connectionId !== id);
    this.kicked.push(id);
    return this.connections.length < before;
  }
  dropStream(stream: string) {
    this.dropped.push(stream);
    return stream === 'live/cam1';
  }
  async shutdown() {
    this.draining = true;
  }
}

async function talk(session: AdminSession, parts: Uint8Array[]): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  for (const p of parts) lines.push(...(await session.push(p)));
  for (const l of lines) expect(l.endsWith('\n')).toBe(true);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('admin request lines', () => {
  for (const c of cases) {
    it(`parses ${c.name}`, () => expect(parseAdminRequest(c.bytes)).toEqual(c.decoded));
    it(`encodes ${c.name} back to the same line`, () => expect(encodeAdminRequest(c.decoded)).toBe(c.bytes));
  }
  for (const c of tolerated) it(`accepts the ${c.name}`, () => expect(parseAdminRequest(c.line)).toEqual(c.decoded));
  for (const c of errors) it(`refuses ${c.name} with ${c.code}`, () => expect(codeOf(() => parseAdminRequest(c.line))).toBe(c.code));
});

describe('AdminLineFramer', () => {
  const text = cases.map((c) => c.bytes).join('\r\n') + '\n';
  for (const { name, parts } of feedings(ascii(text), { seeds: [0, 1, 2, 3, 4] })) {
    it(`splits CRLF and LF lines fed ${name}`, () => {
      const framer = new AdminLineFramer();
      const got = parts.flatMap((p) => framer.push(p));
      expect(got).toEqual(cases.map((c) => ({ kind: 'line', text: c.bytes })));
    });
  }

  for (const { name, parts } of feedings(ascii('x'.repeat(100) + '\n{"command":"help"}\n'), { seeds: [0, 1] })) {
    it(`refuses an overlong line once and resynchronises on the next line fed ${name}`, () => {
      const framer = new AdminLineFramer(32);
      const got = parts.flatMap((p) => framer.push(p));
      expect(got.map((f) => (f.kind === 'line' ? f.text : f.error.code))).toEqual(['ADMIN_LINE_TOO_LONG', '{"command":"help"}']);
    });
  }

  it('refuses a line that is not UTF-8 and keeps going', () => {
    const framer = new AdminLineFramer();
    const got = framer.push(Uint8Array.from([0xff, 0xfe, 0x0a, 0x68, 0x69, 0x0a]));
    expect(got.map((f) => (f.kind === 'line' ? f.text : f.error.code))).toEqual(['ADMIN_BAD_ENCODING', 'hi']);
  });

  it('keeps non-ASCII stream names split inside a character', () => {
    const framer = new AdminLineFramer();
    const bytes = ascii('');
    const line = new TextEncoder().encode('streamInfo stream=live/café\n');
    const got = [...framer.push(line.subarray(0, line.length - 2)), ...framer.push(line.subarray(line.length - 2)), ...framer.push(bytes)];
    expect(got).toEqual([{ kind: 'line', text: 'streamInfo stream=live/café' }]);
  });
});

describe('AdminSession', () => {
  it('answers every command against the server it controls', async () => {
    const server = new FakeServer();
    const session = new AdminSession({ server, version: 'streamgate/0.1.0', token: 'tok', openReads: true });
    const input = [
      '{"command":"help","id":1}',
      'version',
      'listStreams',
      'listConnections',
      '{"command":"streamInfo","stream":"live/cam1"}',
      '{"command":"streamInfo","stream":"live/none"}',
      '{"command":"kick","connectionId":"rtmp-1","token":"tok"}',
      '{"command":"kick","connectionId":"rtmp-1","token":"tok"}',
      'dropStream stream=live/cam1 token=tok',
      '',
      'shutdown token=tok',
    ].join('\n') + '\n';
    const answers = await talk(session, [ascii(input)]);
    expect(answers.map((a) => [a.status, a.code])).toEqual([
      ['SUCCESS', undefined],
      ['SUCCESS', undefined],
      ['SUCCESS', undefined],
      ['SUCCESS', undefined],
      ['SUCCESS', undefined],
      ['FAIL', 'ADMIN_NOT_FOUND'],
      ['SUCCESS', undefined],
      ['FAIL', 'ADMIN_NOT_FOUND'],
      ['SUCCESS', undefined],
      ['SUCCESS', undefined],
    ]);
    expect(answers[0]!.id).toBe(1);
    expect(Object.keys(answers[0]!.data as object)).toContain('kick');
    expect(answers[1]!.data).toBe('streamgate/0.1.0');
    expect(answers[2]!.data).toEqual([{ stream: 'live/cam1', readers: 1 }]);
    expect((answers[3]!.data as unknown[]).length).toBe(2);
    expect(server.kicked).toEqual(['rtmp-1', 'rtmp-1']);
    expect(server.dropped).toEqual(['live/cam1']);
    expect(server.draining).toBe(true);
  });

  it('answers malformed lines with a coded FAIL and keeps serving', async () => {
    const session = new AdminSession({ server: new FakeServer(), version: 'v', openReads: true });
    const answers = await talk(session, [ascii('{nope\nfrobnicate\nversion\n')]);
    expect(answers.map((a) => a.code ?? a.status)).toEqual(['ADMIN_BAD_JSON', 'ADMIN_UNKNOWN_COMMAND', 'SUCCESS']);
  });

  it('requires the configured token on every request', async () => {
    const server = new FakeServer();
    const session = new AdminSession({ server, version: 'v', token: 'tok' });
    const answers = await talk(session, [
      ascii('{"command":"kick","connectionId":"rtmp-1","id":9}\nkick connectionId=rtmp-1 token=tokx\nkick connectionId=rtmp-1 token=tok\n'),
    ]);
    expect(answers.map((a) => a.code ?? a.status)).toEqual(['ADMIN_UNAUTHORIZED', 'ADMIN_UNAUTHORIZED', 'SUCCESS']);
    expect(answers[0]!.id).toBe(9);
    expect(server.kicked).toEqual(['rtmp-1']);
  });

  it('needs the token for kick, dropStream and shutdown even with open reads, and refuses them when none is configured', async () => {
    const server = new FakeServer();
    const open = new AdminSession({ server, version: 'v', token: 'tok', openReads: true });
    const answers = await talk(open, [ascii('listStreams\nkick connectionId=rtmp-1\ndropStream stream=live/cam1 token=nope\nshutdown\nkick connectionId=rtmp-1 token=tok\n')]);
    expect(answers.map((a) => a.code ?? a.status)).toEqual(['SUCCESS', 'ADMIN_UNAUTHORIZED', 'ADMIN_UNAUTHORIZED', 'ADMIN_UNAUTHORIZED', 'SUCCESS']);
    expect(server.dropped).toEqual([]);
    expect(server.draining).toBe(false);
    const none = new AdminSession({ server, version: 'v', openReads: true });
    const refused = await talk(none, [ascii('version\nshutdown\n')]);
    expect(refused.map((a) => a.code ?? a.status)).toEqual(['SUCCESS', 'ADMIN_UNAUTHORIZED']);
    expect(server.draining).toBe(false);
  });

  it('reports a failing server call as ADMIN_INTERNAL without ending the session', async () => {
    const server = new FakeServer();
    server.listStreams = () => {
      throw new Error('hub gone');
    };
    const session = new AdminSession({ server, version: 'v', openReads: true });
    const answers = await talk(session, [ascii('listStreams\nversion\n')]);
    expect(answers.map((a) => a.code ?? a.status)).toEqual(['ADMIN_INTERNAL', 'SUCCESS']);
  });

  it('answers randomly mutated request lines with JSON and never throws', async () => {
    const rnd = seededRandom(99);
    const seeds = [...cases.map((c) => c.bytes), ...tolerated.map((c) => c.line)].map((l) => ascii(l + '\n'));
    let fails = 0;
    for (let i = 0; i < 800; i++) {
      const session = new AdminSession({ server: new FakeServer(), version: 'v', maxLineLength: 48 });
      const input = mutate(seeds[i % seeds.length]!, rnd);
      for (const a of await talk(session, feedings(input, { seeds: [i] })[i % 3]!.parts)) {
        expect(['SUCCESS', 'FAIL']).toContain(a.status);
        if (a.status === 'FAIL') {
          expect(a.code).toMatch(/^ADMIN_/);
          fails++;
        }
      }
    }
    expect(fails).toBeGreaterThan(100);
  });
});
