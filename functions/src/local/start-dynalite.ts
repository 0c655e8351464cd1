import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/** A running in-process dynalite. */
export interface RunningDynalite {
  /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  endpoint: string;
  close(): Promise<void>;
}

/** Longest wait at close for requests already inside dynalite to finish. */
const CLOSE_WAIT_MS = 2000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Starts dynalite in this process on an ephemeral loopback port. With `path` data persists
 * there (LevelDB); without, it lives in memory. Tables are ACTIVE at once (`createTableMs: 0`).
 *
 * Closing first refuses new requests (503, which every DynamoDB client retries or reports) and
 * waits for the ones already inside dynalite to be answered (at most CLOSE_WAIT_MS), and only then
 * closes its database: dynalite throws, uncaught, in the process hosting it when a request it
 * already took reaches a closed database (seen when a cluster member's last heartbeat arrived
 * while the local stack stopped).
 */
export async function startDynalite(options: { path?: string } = {}): Promise<RunningDynalite> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const handlers = server.listeners('request') as Handler[];
  server.removeAllListeners('request');
  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      res.writeHead(503, { 'Content-Type': 'application/x-amz-json-1.0', Connection: 'close' });
      res.end('{"__type":"com.amazonaws.dynamodb.v20120810#ServiceUnavailableException","message":"the embedded store is closing"}');
      return;
    }
    inFlight++;
    res.once('finish', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    for (const handler of handlers) handler.call(server, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      closing = true;
      if (inFlight > 0) {
        // A request whose client went away never finishes its answer: the bound covers it.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, CLOSE_WAIT_MS);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
  };
}
