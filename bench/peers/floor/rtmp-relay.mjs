#!/usr/bin/env node
// rtmp-relay.mjs — the Node floor for many RTMP streams (peer floor-node-rtmp, --scenario
// many-streams): the least a fan-out on Node's net module does per message when publishers and
// players speak RTMP, so it plays from the same publisher and load client as the servers beside it.
// Per publisher read (one shared read buffer, Node's `onread`): parse each chunk header (fmt 0-3,
// extended timestamps, any chunk size) and copy the chunk's payload once, straight to its place in
// the player-side chunked message (a fmt-0 header, then fmt-3 separators every 4096 bytes); when the
// message is complete, write that one Buffer to every player of the stream: one write per message
// per player, no per-player state beyond the socket, no GOP cache (like nginx-rtmp; the last
// metadata and sequence headers are sent to a joining player). The write is one write(2) on the
// socket's descriptor when nothing is queued for it, as streamgate's DirectSocketWriter does
// (--write stream: always Node's socket.write). Commands: just enough of connect,
// createStream, publish and play (AMF0) for rtmp-load.mjs and ffmpeg. Streams are keyed by
// APP/NAME. A player whose unsent backlog passes --max-backlog bytes is dropped, lengths are bounded.
// It is a floor, not a server: no auth, no checks of who publishes what beyond one publisher a name.
// usage: node rtmp-relay.mjs --listen 127.0.0.1:PORT [--write direct|stream] [--max-backlog BYTES] [--max-time S]
import net from 'node:net';
import crypto from 'node:crypto';
import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { amf0DecodeAll, amf0Encode } from '../../amf0.mjs';

const { values: a } = parseArgs({
  options: { listen: { type: 'string' }, write: { type: 'string', default: 'direct' }, 'max-backlog': { type: 'string', default: String(8 << 20) }, 'max-time': { type: 'string', default: '3600' } },
});
const lm = /^(127\.\d+\.\d+\.\d+|localhost):(\d+)$/.exec(a.listen || '');
if (!lm) { console.error('--listen must be a loopback HOST:PORT'); process.exit(2); }
const maxBacklog = Number(a['max-backlog']);
const direct = a.write !== 'stream';
const OUT_CHUNK = 4096;
const MAX_MEDIA = 8 << 20; const MAX_COMMAND = 64 << 10;

// ---- AMF0, just what the commands need
// ---- player-side messages: fmt 0 header on the type's chunk stream, fmt 3 separators
const CSID = { 8: 4, 9: 6, 18: 5 };
/** A message's chunked bytes with the payload left to fill: [buffer, header length, separator length]. */
function chunkedShell(type, streamId, ts, length, csid = CSID[type] ?? 3) {
  const ext = ts >= 0xffffff; const hl = ext ? 16 : 12; const sl = ext ? 5 : 1;
  const n = Math.max(1, Math.ceil(length / OUT_CHUNK));
  const out = Buffer.allocUnsafe(hl + length + (n - 1) * sl);
  out[0] = csid; out.writeUIntBE(ext ? 0xffffff : ts, 1, 3); out.writeUIntBE(length, 4, 3); out[7] = type; out.writeUInt32LE(streamId, 8);
  if (ext) out.writeUInt32BE(ts, 12);
  for (let k = 1; k < n; k++) {
    const at = hl + k * OUT_CHUNK + (k - 1) * sl;
    out[at] = 0xc0 | csid; if (ext) out.writeUInt32BE(ts, at + 1);
  }
  return { out, hl, sl };
}
/** Copy payload bytes b[o, o+n) to payload offset `at` of a shell (they may cross separators). */
function fill(m, b, o, n, at) {
  while (n > 0) {
    const inChunk = OUT_CHUNK - (at % OUT_CHUNK); const k = Math.min(inChunk, n);
    b.copy(m.out, m.hl + at + Math.floor(at / OUT_CHUNK) * m.sl, o, o + k);
    o += k; n -= k; at += k;
  }
}
const control = (type, payload) => { const m = chunkedShell(type, 0, 0, payload.length, 2); fill(m, payload, 0, payload.length, 0); return m.out; };
const command = (streamId, values) => { const p = amf0Encode(values); const m = chunkedShell(20, streamId, 0, p.length, 3); fill(m, p, 0, p.length, 0); return m.out; };
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };

// ---- streams: APP/NAME → { publisher, players, meta, avc, aac }
const streams = new Map();
const streamOf = (key) => {
  let s = streams.get(key);
  if (!s) { s = { publisher: null, players: new Set(), meta: null, avc: null, aac: null }; streams.set(key, s); }
  return s;
};
let dropped = 0; let messages = 0; const tStart = Date.now();
function fanOut(s, type, m, payloadHead0, payloadHead1) {
  messages++;
  if (type === 18) s.meta = m.out;
  else if (type === 9 && (payloadHead0 & 0x0f) === 7 && payloadHead1 === 0) s.avc = m.out;
  else if (type === 8 && (payloadHead0 >> 4) === 10 && payloadHead1 === 0) s.aac = m.out;
  for (const p of s.players) {
    const queued = p.writableLength;
    if (queued === 0 && direct) { // nothing queued: straight to the kernel (streamgate's DirectSocketWriter does the same)
      let n = 0;
      try { n = writeSync(p._handle.fd, m.out); } catch { /* EAGAIN or a failing socket: the stream's write queues or reports */ }
      if (n < m.out.length) p.write(n > 0 ? m.out.subarray(n) : m.out);
      continue;
    }
    if (queued > maxBacklog) { dropped++; p.destroy(); continue; }
    p.write(m.out);
  }
}

// ---- one connection: handshake, then chunks
const READ = Buffer.allocUnsafe(64 * 1024); // every read is consumed before the next one
class Conn {
  constructor(sock) {
    this.sock = sock; this.hs = Buffer.alloc(0); this.stage = 0; // 0: C0C1, 1: C2, 2: chunks
    this.inChunk = 128; this.cs = new Map(); this.hdr = Buffer.alloc(18); this.hdrLen = 0;
    this.cur = null; this.left = 0; this.app = ''; this.stream = null; this.role = null;
  }
  read(b, n) {
    let o = 0;
    if (this.stage < 2) {
      const want = this.stage === 0 ? 1537 : 1536; const k = Math.min(n, want - this.hs.length);
      this.hs = Buffer.concat([this.hs, b.subarray(0, k)]); o = k;
      if (this.hs.length < want) return;
      if (this.stage === 0) {
        const s1 = crypto.randomBytes(1536); s1.writeUInt32BE(0, 0); s1.writeUInt32BE(0, 4);
        this.sock.write(Buffer.concat([Buffer.from([3]), s1, this.hs.subarray(1)]));
        this.stage = 1; this.hs = Buffer.alloc(0); this.read(b.subarray(o), n - o); return;
      }
      this.stage = 2; this.hs = null;
    }
    this.push(b, o, n);
  }
  state(csid) {
    let s = this.cs.get(csid);
    if (!s) { s = { csid, ts: 0, delta: 0, length: 0, type: 0, sid: 0, ext: false, got: 0, m: null, small: null, h0: 0, h1: 0 }; this.cs.set(csid, s); }
    return s;
  }
  need(b, o, n) { // full header length at b[o] given n bytes, -1 if more bytes are needed to know
    if (n < 1) return -1;
    const fmt = b[o] >> 6; const c = b[o] & 0x3f; const bh = c === 0 ? 2 : c === 1 ? 3 : 1;
    const mh = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (n < bh + mh) return -1;
    let ext;
    if (fmt < 3) ext = b.readUIntBE(o + bh, 3) === 0xffffff;
    else ext = !!this.cs.get(c === 0 ? 64 + b[o + 1] : c === 1 ? 64 + b[o + 1] + b[o + 2] * 256 : c)?.ext;
    return bh + mh + (ext ? 4 : 0);
  }
  header(b, o) {
    const fmt = b[o] >> 6; let c = b[o] & 0x3f; let p = o + 1;
    if (c === 0) { c = 64 + b[p]; p++; } else if (c === 1) { c = 64 + b[p] + b[p + 1] * 256; p += 2; }
    const s = this.state(c); const fresh = s.got === 0 && !s.m && !s.small;
    if (fmt < 3) {
      const t = b.readUIntBE(p, 3); p += 3;
      if (fmt <= 1) { s.length = b.readUIntBE(p, 3); s.type = b[p + 3]; p += 4; }
      if (fmt === 0) { s.sid = b.readUInt32LE(p); p += 4; }
      s.ext = t === 0xffffff; const v = s.ext ? b.readUInt32BE(p) : t; if (s.ext) p += 4;
      if (fmt === 0) { s.ts = v; s.delta = 0; } else { s.delta = v; s.ts = (s.ts + v) >>> 0; }
    } else {
      if (s.ext) p += 4;
      if (fresh) s.ts = (s.ts + s.delta) >>> 0;
    }
    if (fresh || fmt < 3) this.begin(s);
    this.cur = s; this.left = Math.min(this.inChunk, s.length - s.got);
    if (s.length === 0) this.end(s);
    return p - o;
  }
  begin(s) {
    s.got = 0; s.m = null; s.small = null;
    const media = s.type === 8 || s.type === 9 || s.type === 18;
    if (media && this.role === 'publish') {
      if (s.length > MAX_MEDIA) { this.sock.destroy(); return; }
      s.m = chunkedShell(s.type, 1, s.ts, s.length);
    } else if (s.length <= MAX_COMMAND) s.small = Buffer.allocUnsafe(s.length);
    else { this.sock.destroy(); }
  }
  push(b, o, end) {
    while (o < end && !this.sock.destroyed) {
      if (this.left > 0) {
        const s = this.cur; const n = Math.min(this.left, end - o);
        if (s.m) { if (s.got === 0) { s.h0 = b[o]; s.h1 = n > 1 ? b[o + 1] : 0; } fill(s.m, b, o, n, s.got); }
        else if (s.small) b.copy(s.small, s.got, o, o + n);
        s.got += n; this.left -= n; o += n;
        if (s.got === s.length) this.end(s);
        continue;
      }
      if (this.hdrLen === 0) {
        const need = this.need(b, o, end - o);
        if (need > 0 && need <= end - o) { o += this.header(b, o); continue; }
      }
      // a header split across reads: gather it byte by byte (at most once per read)
      this.hdr[this.hdrLen++] = b[o++];
      const need = this.need(this.hdr, 0, this.hdrLen);
      if (need > 0 && need === this.hdrLen) { this.header(this.hdr, 0); this.hdrLen = 0; }
    }
  }
  end(s) {
    const m = s.m; const small = s.small; s.m = null; s.small = null; s.got = 0; this.left = 0;
    if (m) { if (this.stream) fanOut(this.stream, s.type, m, s.h0, s.h1); return; }
    if (!small) return;
    if (s.type === 1 && small.length >= 4) this.inChunk = Math.max(1, Math.min(small.readUInt32BE(0) & 0x7fffffff, 1 << 20));
    else if (s.type === 2 && small.length >= 4) { const x = this.cs.get(small.readUInt32BE(0)); if (x) { x.got = 0; x.m = null; x.small = null; } }
    else if (s.type === 20 || s.type === 17) this.command(amf0DecodeAll(s.type === 17 ? small.subarray(1) : small));
  }
  command(v) {
    const [name, txn] = v; const w = (buf) => this.sock.write(buf);
    if (name === 'connect') {
      this.app = String(v[2]?.app ?? '').replace(/\/$/, '');
      w(control(5, u32(2500000))); w(control(6, Buffer.from([0, 0x26, 0x25, 0xa0, 2]))); w(control(1, u32(OUT_CHUNK)));
      w(command(0, ['_result', txn, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, { level: 'status', code: 'NetConnection.Connect.Success', description: 'ok', objectEncoding: 0 }]));
    } else if (name === 'createStream') {
      w(command(0, ['_result', txn, null, 1]));
    } else if (name === 'publish' || name === 'play') {
      const key = `${this.app}/${String(v[3] ?? '').split('?')[0]}`; const s = streamOf(key);
      if (name === 'publish') {
        if (s.publisher) { w(command(1, ['onStatus', 0, null, { level: 'error', code: 'NetStream.Publish.BadName', description: key }])); return; }
        s.publisher = this; this.stream = s; this.role = 'publish';
        w(command(1, ['onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: key }]));
      } else {
        this.stream = s; this.role = 'play';
        w(control(4, Buffer.from([0, 0, 0, 0, 0, 1])));
        w(command(1, ['onStatus', 0, null, { level: 'status', code: 'NetStream.Play.Start', description: key }]));
        for (const m of [s.meta, s.avc, s.aac]) if (m) w(m);
        s.players.add(this.sock);
      }
    }
  }
  close() {
    const s = this.stream; if (!s) return;
    if (this.role === 'publish' && s.publisher === this) { s.publisher = null; s.meta = s.avc = s.aac = null; }
    else s.players.delete(this.sock);
  }
}

// Accepted sockets cannot be given `onread`: its keys are read off a probe socket (as streamgate's
// servers/shared-read-buffer.ts does), so every read lands in READ and no Buffer is made per read.
const probe = new net.Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } });
const K = new Map(Object.getOwnPropertySymbols(probe).map((s) => [s.description, s])); probe.destroy();
const server = net.createServer({ noDelay: true });
server.on('connection', (sock) => {
  const c = new Conn(sock);
  sock.on('error', () => {});
  sock.on('close', () => c.close());
  if (K.has('kBuffer') && typeof sock._handle?.useUserBuffer === 'function') {
    sock[K.get('kBuffer')] = READ; sock[K.get('kBufferGen')] = null;
    sock[K.get('kBufferCb')] = (n) => { c.read(READ, n); };
    sock._handle.useUserBuffer(READ); sock.resume();
  } else sock.on('data', (d) => c.read(d, d.length));
});
server.listen(Number(lm[2]), lm[1], () => console.error(`rtmp-relay: ${lm[1]}:${lm[2]}`));

const stop = () => {
  const sec = (Date.now() - tStart) / 1000;
  console.error(`rtmp-relay: stopping after ${sec.toFixed(0)}s: ${messages} messages from publishers (${(messages / sec).toFixed(0)}/s), dropped ${dropped} slow players`);
  server.close(); process.exit(0);
};
process.on('SIGTERM', stop); process.on('SIGINT', stop);
setTimeout(stop, Number(a['max-time']) * 1000).unref();
