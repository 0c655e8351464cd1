import { StreamgateError } from '#domain/errors.js';
import { connect } from 'node:net';

/** What the admin listener answered (one JSON line). */
export interface AdminAnswer {
  status: 'SUCCESS' | 'FAIL';
  description?: string;
  code?: string;
  data?: unknown;
  id?: string | number;
}

/** The admin listener could not be reached or gave no answer (`code` is the socket error code or `timeout`/`bad_answer`). */
export class AdminConnectError extends StreamgateError {
  override readonly name = 'AdminConnectError';
}

/** Longest answer line read (a listConnections of thousands of connections fits). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * Sends one request line to the admin line protocol at host:port and resolves with the first
 * answer line, then closes. Unlike `printf … | nc`, it needs no netcat flavour that closes on
 * end of input.
 */
export function sendAdminRequest(host: string, port: number, request: Record<string, unknown>, timeoutMs = 10_000): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: AdminConnectError) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new AdminConnectError('timeout', `no answer from the admin listener at ${host}:${port} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      fail(new AdminConnectError(err.code ?? 'error', `cannot reach the admin listener at ${host}:${port} (${err.code ?? err.message})`, { cause: err })),
    );
    socket.on('data', (chunk: Buffer) => {
      const lf = chunk.indexOf(0x0a);
      chunks.push(lf === -1 ? chunk : chunk.subarray(0, lf));
      size += chunk.length;
      if (lf === -1) {
        if (size > MAX_ANSWER_BYTES) fail(new AdminConnectError('bad_answer', `answer longer than ${MAX_ANSWER_BYTES} bytes`));
        return;
      }
      socket.end();
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdminAnswer);
      } catch (err) {
        reject(new AdminConnectError('bad_answer', `the admin listener at ${host}:${port} answered something that is not JSON`, { cause: err }));
      }
    });
    socket.on('end', () => fail(new AdminConnectError('bad_answer', `the admin listener at ${host}:${port} closed without an answer`)));
  });
}
