import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '#test/support/ingest-harness.js';

describe('STREAMGATE_DUMP_DIR', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamgate-dump-'));
  let t: TestIngest;
  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_DUMP_DIR: dir });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes what a connection received to <protocol>-<connection id>.bin, byte for byte', async () => {
    const bytes = Buffer.concat([Buffer.from([85]), Buffer.alloc(200, 7)]);
    await new Promise<void>((resolve) => {
      const s = connect(t.ingest.ports.rtmp, '127.0.0.1', () => s.write(bytes));
      s.on('close', () => resolve());
      s.on('error', () => undefined);
      s.resume();
    });
    await new Promise((r) => setTimeout(r, 100));
    const files = readdirSync(dir);
    const closed = t.logs.find((l) => l.event === 'connection.close');
    expect(files).toContain(`rtmp-${String(closed!.conn)}.bin`);
    expect(readFileSync(join(dir, `rtmp-${String(closed!.conn)}.bin`))).toEqual(bytes);
  });
});
