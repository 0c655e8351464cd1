import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

/**
 * Opt-in raw-byte dump (`STREAMGATE_DUMP_DIR`): everything a connection receives is appended to
 * `<dir>/<protocol>-<connection id>.bin`, so a bug report becomes a test fixture. Write errors
 * stop the dump, never the connection.
 */
export function dumpReceivedBytes(dir: string | undefined, protocol: string, connectionId: string, socket: Duplex): void {
  if (dir === undefined) return;
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return;
  }
  const out = createWriteStream(join(dir, `${protocol}-${connectionId}.bin`), { flags: 'a', mode: 0o600 });
  let failed = false;
  out.on('error', () => {
    failed = true;
  });
  socket.on('data', (chunk: Buffer) => {
    if (!failed) out.write(chunk);
  });
  socket.once('close', () => out.end());
}
