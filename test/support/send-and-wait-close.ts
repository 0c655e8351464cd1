import { connect } from 'node:net';

/**
 * Opens a TCP connection to 127.0.0.1:`port`, sends `bytes` (then half-closes when `end`), and
 * resolves `closed` when the server closes it, or `open` after 3 s.
 */
export function sendAndWaitClose(port: number, bytes: Uint8Array, end = false): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (end ? s.end(bytes) : s.write(bytes)));
    s.resume();
    s.on('error', () => undefined);
    s.on('close', () => resolve('closed'));
    setTimeout(() => {
      resolve('open');
      s.destroy();
    }, 3000).unref();
  });
}
