import type { RelayUrl } from './relay-url.js';

/** Where an SRT caller connects and what it asks for. */
export interface SrtEndpoint {
  readonly host: string;
  readonly port: number;
  /** `streamid=` of the URL ('' when none). */
  readonly streamId: string;
  /** `passphrase=` of the URL (10-79 characters), when the link is encrypted. */
  readonly passphrase?: string;
  /** `pbkeylen=` 16, 24 or 32 (default 16). */
  readonly keyLength: 16 | 24 | 32;
  /** `latency=` in ms, as libsrt's URIs write it (default 120, 20-8000). */
  readonly latencyMs: number;
}

/**
 * Reads an `srt://HOST:PORT?streamid=…&passphrase=…&latency=MS&pbkeylen=N` URL (caller mode;
 * `mode=` other than caller is refused). Throws Error with a message naming the bad parameter.
 */
export function srtEndpoint(url: RelayUrl): SrtEndpoint {
  const q = new URLSearchParams(url.search);
  const mode = q.get('mode');
  if (mode !== null && mode !== 'caller') throw new Error(`srt mode=${mode}: relays call out (mode=caller)`);
  const passphrase = q.get('passphrase') ?? undefined;
  if (passphrase !== undefined && (passphrase.length < 10 || passphrase.length > 79)) throw new Error('srt passphrase must have 10-79 characters');
  const keyLength = Number(q.get('pbkeylen') ?? 16);
  if (keyLength !== 16 && keyLength !== 24 && keyLength !== 32) throw new Error('srt pbkeylen must be 16, 24 or 32');
  const latencyMs = Number(q.get('latency') ?? 120);
  if (!Number.isInteger(latencyMs) || latencyMs < 20 || latencyMs > 8000) throw new Error('srt latency must be 20-8000 ms');
  return { host: url.host, port: url.port, streamId: q.get('streamid') ?? '', ...(passphrase !== undefined ? { passphrase } : {}), keyLength, latencyMs };
}
