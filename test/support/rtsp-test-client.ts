import { connect, type Socket } from 'node:net';
import { RtspDecoder } from '#ingest/protocols/rtsp/rtsp-decoder.js';
import { getHeader, type RtspResponse } from '#ingest/protocols/rtsp/rtsp-message.js';

/**
 * A scripted RTSP client over one TCP connection: one request at a time, answers in order,
 * interleaved frames collected. `request` rejects when the server closes without answering.
 */
export class RtspTestClient {
  private readonly socket: Socket;
  private readonly decoder = new RtspDecoder();
  private readonly answers: RtspResponse[] = [];
  private waiting: { resolve: (r: RtspResponse) => void; reject: (e: Error) => void } | undefined;
  private cseq = 0;
  /** Interleaved frames received (channel and payload). */
  readonly interleaved: { channel: number; payload: Uint8Array }[] = [];
  closed = false;

  constructor(port: number, host = '127.0.0.1') {
    this.socket = connect(port, host);
    this.socket.on('data', (d) => {
      for (const u of this.decoder.push(d)) {
        if (u.type === 'interleaved') this.interleaved.push({ channel: u.channel, payload: u.payload });
        else if (u.type === 'response') {
          const w = this.waiting;
          this.waiting = undefined;
          if (w) w.resolve(u);
          else this.answers.push(u);
        }
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.waiting?.reject(new Error('connection closed without an answer'));
      this.waiting = undefined;
    });
  }

  /** Sends a request (CSeq and Content-Length added) and resolves with its answer. */
  request(method: string, uri: string, headers: Record<string, string> = {}, body = ''): Promise<RtspResponse> {
    const all = { CSeq: String(++this.cseq), ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) };
    const h = Object.entries(all)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    this.socket.write(`${method} ${uri} RTSP/1.0\r\n${h}\r\n${body}`);
    const ready = this.answers.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Raw bytes (interleaved frames). */
  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The Digest nonce of a 401's first `WWW-Authenticate: Digest` challenge. */
export function digestNonceOf(res: RtspResponse): string {
  const challenge = res.headers.find(([k, v]) => k.toLowerCase() === 'www-authenticate' && /^digest /i.test(v))?.[1] ?? '';
  const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1];
  if (nonce === undefined) throw new Error(`no Digest challenge in ${res.status} ${getHeader(res, 'WWW-Authenticate') ?? ''}`);
  return nonce;
}
