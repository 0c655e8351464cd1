import { ProtocolError } from '../protocol-error.js';

/** One transport specification of a Transport header (RFC 2326 §12.39). */
export interface RtspTransport {
  /** `RTP/AVP` (UDP) or `RTP/AVP/TCP`. */
  readonly protocol: 'udp' | 'tcp';
  readonly delivery: 'unicast' | 'multicast';
  readonly clientPort?: readonly [number, number];
  readonly serverPort?: readonly [number, number];
  readonly interleaved?: readonly [number, number];
  /** `record` for publishing (ANNOUNCE/RECORD), `play` otherwise. */
  readonly mode?: 'record' | 'play';
  readonly ssrc?: number;
  readonly destination?: string;
  readonly source?: string;
  readonly ttl?: number;
}

const MAX_TRANSPORT_SPECS = 8;

/** Parses a Transport header value (a comma-separated list of alternatives). Raises `RTSP_BAD_TRANSPORT`. */
export function parseTransport(value: string): RtspTransport[] {
  const specs = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length === 0 || specs.length > MAX_TRANSPORT_SPECS) throw new ProtocolError('RTSP_BAD_TRANSPORT', `Transport header with ${specs.length} specifications`);
  return specs.map(parseOne);
}

function parseOne(spec: string): RtspTransport {
  const [proto, ...params] = spec.split(';').map((p) => p.trim());
  const p = proto.toUpperCase();
  let protocol: 'udp' | 'tcp';
  if (p === 'RTP/AVP' || p === 'RTP/AVP/UDP') protocol = 'udp';
  else if (p === 'RTP/AVP/TCP') protocol = 'tcp';
  else throw new ProtocolError('RTSP_BAD_TRANSPORT', `unsupported transport ${proto.slice(0, 32)}`);
  const t: { -readonly [K in keyof RtspTransport]: RtspTransport[K] } = { protocol, delivery: 'unicast' };
  for (const param of params) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    const key = (eq < 0 ? param : param.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : param.slice(eq + 1).replace(/^"|"$/g, '');
    switch (key) {
      case 'unicast':
      case 'multicast':
        t.delivery = key;
        break;
      case 'client_port':
        t.clientPort = range(val, 65535, key);
        break;
      case 'server_port':
        t.serverPort = range(val, 65535, key);
        break;
      case 'interleaved':
        t.interleaved = range(val, 255, key);
        break;
      case 'mode': {
        const m = val.toLowerCase();
        if (m === 'record' || m === 'receive') t.mode = 'record';
        else if (m === 'play') t.mode = 'play';
        else throw new ProtocolError('RTSP_BAD_TRANSPORT', `unsupported mode ${val.slice(0, 32)}`);
        break;
      }
      case 'ssrc':
        if (!/^[0-9a-fA-F]{1,8}$/.test(val)) throw new ProtocolError('RTSP_BAD_TRANSPORT', `bad ssrc ${val.slice(0, 32)}`);
        t.ssrc = parseInt(val, 16);
        break;
      case 'destination':
        t.destination = val;
        break;
      case 'source':
        t.source = val;
        break;
      case 'ttl':
        t.ttl = num(val, 255, key);
        break;
      default:
        break; // unknown parameters are ignored (§12.39)
    }
  }
  return t;
}

function num(s: string, max: number, what: string): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) > max) throw new ProtocolError('RTSP_BAD_TRANSPORT', `bad ${what} value ${s.slice(0, 32)}`);
  return Number(s);
}

function range(s: string, max: number, what: string): [number, number] {
  const [a, b] = s.split('-');
  const first = num(a, max, what);
  // a single port means the pair first, first+1 (§12.39 client_port)
  const second = b === undefined ? first + 1 : num(b, max, what);
  return [first, second];
}

/** Formats one transport specification as a Transport header value. */
export function formatTransport(t: RtspTransport): string {
  const parts: string[] = [t.protocol === 'tcp' ? 'RTP/AVP/TCP' : 'RTP/AVP', t.delivery];
  if (t.destination !== undefined) parts.push(`destination=${t.destination}`);
  if (t.source !== undefined) parts.push(`source=${t.source}`);
  if (t.clientPort) parts.push(`client_port=${t.clientPort[0]}-${t.clientPort[1]}`);
  if (t.serverPort) parts.push(`server_port=${t.serverPort[0]}-${t.serverPort[1]}`);
  if (t.interleaved) parts.push(`interleaved=${t.interleaved[0]}-${t.interleaved[1]}`);
  if (t.ttl !== undefined) parts.push(`ttl=${t.ttl}`);
  if (t.ssrc !== undefined) parts.push(`ssrc=${(t.ssrc >>> 0).toString(16).toUpperCase().padStart(8, '0')}`);
  if (t.mode !== undefined) parts.push(`mode=${t.mode}`);
  return parts.join(';');
}
