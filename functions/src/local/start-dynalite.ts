import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/** A running in-process dynalite. */
export interface RunningDynalite {
  /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite in this process on an ephemeral loopback port. With `path` data persists
 * there (LevelDB); without, it lives in memory. Tables are ACTIVE at once (`createTableMs: 0`).
 */
export async function startDynalite(options: { path?: string } = {}): Promise<RunningDynalite> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
