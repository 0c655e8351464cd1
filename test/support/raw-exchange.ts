import net from 'node:net';

/** How a raw exchange ends from our side, if the server has not closed first. */
export interface RawExchangeOptions {
  /** Half-close (end) after this long: the server may still answer. */
  endAfterMs?: number;
  /** Destroy after this long (3 s unless `keepOpen` is given). */
  destroyAfterMs?: number;
  /** Hands over the socket instead of ending it: the caller closes it. */
  keepOpen?: (socket: net.Socket) => void;
}

/**
 * Sends `parts` as they are on a TCP connection to 127.0.0.1:`port` and resolves with everything
 * the server answered (latin1) once the connection closes.
 */
export function rawExchange(port: number, parts: readonly (string | Uint8Array)[], opts: RawExchangeOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
    });
    s.on('close', () => resolve(got));
    for (const part of parts) if (part.length > 0) s.write(part);
    if (opts.keepOpen) return opts.keepOpen(s);
    if (opts.endAfterMs !== undefined) setTimeout(() => s.end(), opts.endAfterMs);
    else setTimeout(() => s.destroy(), opts.destroyAfterMs ?? 3000);
  });
}
