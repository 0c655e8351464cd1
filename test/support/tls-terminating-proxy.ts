import { readFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer } from 'node:tls';
import { fileURLToPath } from 'node:url';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)), 'utf8');

/** A running TLS front: its port and how to stop it. */
export interface TlsTerminatingProxy {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * What the AWS stack's NLB does on 8443: TLS ends here (the self-signed localhost certificate of
 * test/fixtures/tls) and the plain bytes go on to `targetPort` on 127.0.0.1, so the ingest sees a
 * plain TCP connection, exactly as behind the load balancer.
 */
export async function startTlsTerminatingProxy(targetPort: number): Promise<TlsTerminatingProxy> {
  const open = new Set<Socket>();
  const server = createServer({ cert: fixture('localhost-cert.pem'), key: fixture('localhost-key.pem') }, (tls) => {
    const plain = connect(targetPort, '127.0.0.1');
    open.add(tls);
    tls.on('close', () => open.delete(tls));
    tls.pipe(plain).pipe(tls);
    tls.on('error', () => plain.destroy());
    plain.on('error', () => tls.destroy());
    tls.on('close', () => plain.destroy());
    plain.on('close', () => tls.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Kept-alive browser connections would hold close() open.
        for (const socket of open) socket.destroy();
      }),
  };
}
