#!/usr/bin/env node
// rtmp-load.mjs — dependency-free RTMP load client for benchmarking live servers.
//
// Modes
//   play (default): open N concurrent RTMP play sessions to rtmp://HOST:PORT/APP/STREAM,
//                   read and discard media, report per-connection time to first
//                   media/video/keyframe, bytes, stalls (gaps > --stall-ms), disconnects;
//                   optionally sample the CPU/RSS of server process trees (--watch-pids)
//                   over a fixed measurement window and compute publish->play latency
//                   against a tap log (--tap-log, --probes).
//   tap:            transparent TCP relay publisher -> server (--listen, --upstream) that
//                   parses the publisher's RTMP chunk stream and logs, for every video
//                   message, the CLOCK_MONOTONIC time it was forwarded plus a content key.
//                   Players hash the same payloads, so latency = recv time - forward time,
//                   independent of how the server rewrites timestamps.
//
// Implements: simple handshake (C0/C1/C2), chunk stream parsing with chunk-size changes,
// fmt 0-3 headers, extended timestamps (also on fmt-3 continuation chunks), abort,
// aggregate messages, AMF0 connect/createStream/play, window-ack + acknowledgements,
// ping request/response. Only loopback targets are accepted unless --allow-remote.
//
// Everything is bounded: ramp timeout, measurement window, and a hard --max-time.
// Run `node rtmp-load.mjs --help` for options.

import net from 'node:net';
import fs from 'node:fs';
import crypto from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { amf0DecodeAll, amf0Encode } from './amf0.mjs';

// ---------------------------------------------------------------------------
// clocks: CLOCK_MONOTONIC in ms (shared by all processes on the host)
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

// ---------------------------------------------------------------------------
// options
const HELP = `usage: node rtmp-load.mjs [options]
 play mode (default):
  --url rtmp://127.0.0.1:1935/live/stream   target (host must be loopback)
        tcp://127.0.0.1:PORT                 raw mode: no RTMP, count bytes (for a byte-copy floor relay)
        http://127.0.0.1:PORT/live/stream.flv HTTP-FLV: GET, then FLV tags (chunked or not) counted and
                                             classified like RTMP messages (probes, keyframes, stalls)
        rtsp://127.0.0.1:PORT/live/stream    RTSP play, RTP over the TCP connection (OPTIONS, DESCRIBE,
                                             SETUP interleaved per track, PLAY); a video access unit
                                             (marker bit) counts as a video message, IDR as keyframe;
                                             probes hash the access unit's NAL units as AVCC
  --n N                 concurrent players (default 1)
  --ramp R              new connections per second (default 200)
  --ramp-timeout S      max seconds to wait for all players to get media (default 30)
  --warmup S            seconds between ramp end and measurement window (default 3)
  --duration S          measurement window in seconds (default 20)
  --stall-ms MS         gap between media messages counted as a stall (default 1000)
  --connect-timeout S   per-player: no first media after S seconds = failed (default 15)
  --probes K            players that hash video payloads for latency (default 0)
  --late K              extra late joiners spread over the measurement window; their time to
                        first video/keyframe is reported apart (default 0)
  --stop-reading PCT    this share of the players (spread over the connection order, never probes)
                        stop reading their socket when the measurement window starts: a server
                        must bound what it holds for them and keep everyone else on time. Stalls,
                        gaps and disconnects are then reported for the players that keep reading;
                        the stopped ones are counted apart (default 0)
  --tap-log FILE        tap log to match probe payloads against
  --watch-pids P[,P]    root PIDs of the server under test (whole process tree sampled)
  --watch-aux name:pid[,name:pid]  other processes to report CPU for (publisher, tap)
  --json FILE           write full results JSON here
  --per-conn            include per-connection records in the JSON
  --connect-probes K    K connections from a separate, otherwise idle process during the window,
                        one at a time: handshake, connect, _result, close. Their handshake done →
                        _result time is the server's connect answer without the load client's own
                        event-loop lag (connectProbeMs; default 0)
  --max-time S          hard cap on total run time (default: computed, <= 600)
  --quiet
  --streams M           many streams: the URL's {i} is replaced by the player's stream (player k
                        plays stream k % M); probe payloads are matched per stream ("i:key" in the log)
 publish mode (many streams without an ffmpeg per stream):
  --mode publish --url rtmp://127.0.0.1:PORT/live/bench{i} --streams M --source FILE.flv [--tap-log FILE]
                        M RTMP publishers in this one process, each sending FILE's tags in real time
                        (looped), stream i offset by i/M of a frame; logs "time i:key" per video
                        message written, like the tap; "ready N" on stdout once all publish
 connect-probe mode (started by play mode for --connect-probes):
  --mode connect-probe --url rtmp://... --n K --duration S   prints {samples, ms:[...]} as JSON
 tap mode:
  --mode tap --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT --tap-log FILE [--max-time S]
`;

const { values: A } = parseArgs({
  options: {
    mode: { type: 'string', default: 'play' },
    url: { type: 'string' },
    n: { type: 'string', default: '1' },
    ramp: { type: 'string', default: '200' },
    'ramp-timeout': { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    duration: { type: 'string', default: '20' },
    'stall-ms': { type: 'string', default: '1000' },
    'connect-timeout': { type: 'string', default: '15' },
    probes: { type: 'string', default: '0' },
    late: { type: 'string', default: '0' },
    'stop-reading': { type: 'string', default: '0' },
    'connect-probes': { type: 'string', default: '0' },
    streams: { type: 'string', default: '1' },
    source: { type: 'string' },
    'tap-log': { type: 'string' },
    'watch-pids': { type: 'string' },
    'watch-aux': { type: 'string' },
    json: { type: 'string' },
    'per-conn': { type: 'boolean', default: false },
    'max-time': { type: 'string' },
    listen: { type: 'string' },
    upstream: { type: 'string' },
    'allow-remote': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});
if (A.help) { process.stdout.write(HELP); process.exit(0); }

const log = (...a) => { if (!A.quiet) console.error('[rtmp-load]', ...a); };

function assertLoopback(host) {
  if (A['allow-remote']) return;
  const ok = host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '[::1]';
  if (!ok) { console.error(`refusing non-loopback target ${host} (use --allow-remote deliberately)`); process.exit(2); }
}
function parseHostPort(s, what) {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(s || '');
  if (!m) { console.error(`bad ${what}: ${s}`); process.exit(2); }
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

// ---------------------------------------------------------------------------
// AMF0 (minimal)
// ---------------------------------------------------------------------------
// RTMP chunk writer (we only send small control/command messages)
const OUT_CHUNK = 128;
function chunkMessage(csid, type, streamId, ts, payload) {
  const parts = [];
  let off = 0; let first = true;
  do {
    const n = Math.min(OUT_CHUNK, payload.length - off);
    if (first) {
      const h = Buffer.alloc(12);
      h[0] = csid & 0x3f; // fmt 0, csid < 64
      h.writeUIntBE(Math.min(ts, 0xffffff), 1, 3);
      h.writeUIntBE(payload.length, 4, 3);
      h[7] = type;
      h.writeUInt32LE(streamId, 8);
      parts.push(h);
      first = false;
    } else {
      parts.push(Buffer.from([0xc0 | (csid & 0x3f)]));
    }
    parts.push(payload.subarray(off, off + n));
    off += n;
  } while (off < payload.length);
  return Buffer.concat(parts);
}
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0, 0); return b; };

// ---------------------------------------------------------------------------
// RTMP chunk reader: streaming, copies only headers, small control messages, and
// payloads the handler asks for; every message's first 16 bytes are kept in `head`.
class ChunkReader {
  constructor(handler) {
    this.h = handler; // { assemble(type, length) -> bool, message(msg) }
    this.chunkSize = 128;
    this.cs = new Map();
    this.hdr = Buffer.alloc(32); this.hdrLen = 0;
    this.cur = null; this.chunkLeft = 0;
  }
  _state(csid) {
    let s = this.cs.get(csid);
    if (!s) {
      s = { csid, ts: 0, delta: 0, length: 0, type: 0, sid: 0, ext: false, remaining: 0,
        buf: null, got: 0, head: Buffer.alloc(16), headLen: 0 };
      this.cs.set(csid, s);
    }
    return s;
  }
  // bytes needed for a full chunk header starting at b[o] with n bytes available; -1 = unknown yet
  _need(b, o, n) {
    if (n < 1) return -1;
    const b0 = b[o]; const fmt = b0 >> 6; const c = b0 & 0x3f;
    const bh = c === 0 ? 2 : c === 1 ? 3 : 1;
    const mh = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (n < bh + mh) return -1;
    let ext;
    if (fmt < 3) ext = b.readUIntBE(o + bh, 3) === 0xffffff;
    else {
      const csid = c === 0 ? 64 + b[o + 1] : c === 1 ? 64 + b[o + 1] + b[o + 2] * 256 : c;
      const s = this.cs.get(csid); ext = !!s?.ext;
    }
    return bh + mh + (ext ? 4 : 0);
  }
  _parseHeader(b, o) {
    const b0 = b[o]; const fmt = b0 >> 6; let c = b0 & 0x3f; let p = o + 1;
    if (c === 0) { c = 64 + b[p]; p += 1; } else if (c === 1) { c = 64 + b[p] + b[p + 1] * 256; p += 2; }
    const s = this._state(c);
    const newMsg = s.remaining === 0 || fmt < 3;
    if (fmt < 3) {
      const t = b.readUIntBE(p, 3); p += 3;
      if (fmt <= 1) { s.length = b.readUIntBE(p, 3); p += 3; s.type = b[p]; p += 1; }
      if (fmt === 0) { s.sid = b.readUInt32LE(p); p += 4; }
      s.ext = t === 0xffffff;
      let v = t; if (s.ext) { v = b.readUInt32BE(p); p += 4; }
      if (fmt === 0) { s.ts = v; s.delta = 0; } else { s.delta = v; s.ts = (s.ts + v) >>> 0; }
    } else {
      if (s.ext) p += 4; // extended timestamp repeated on continuation chunks
      if (newMsg) s.ts = (s.ts + s.delta) >>> 0;
    }
    if (newMsg) {
      s.remaining = s.length; s.got = 0; s.headLen = 0;
      // protocol control messages (set chunk size, abort, ack, user control, window, peer bw) are
      // always assembled: the reader itself needs set-chunk-size/abort whatever the handler wants
      const ctl = s.type >= 1 && s.type <= 6 && s.length <= 64;
      s.buf = (s.length > 0 && (ctl || this.h.assemble(s.type, s.length))) ? Buffer.allocUnsafe(s.length) : null;
    }
    this.cur = s;
    this.chunkLeft = Math.min(this.chunkSize, s.remaining);
    if (this.chunkLeft === 0) this._finish(s); // zero-length message
    return p - o;
  }
  _finish(s) {
    const msg = { type: s.type, sid: s.sid, ts: s.ts, length: s.length, csid: s.csid,
      payload: s.buf, head: s.head.subarray(0, s.headLen) };
    s.buf = null; s.remaining = 0;
    if (msg.type === 1 && msg.payload && msg.payload.length >= 4) {
      this.chunkSize = Math.max(1, msg.payload.readUInt32BE(0) & 0x7fffffff);
    } else if (msg.type === 2 && msg.payload && msg.payload.length >= 4) {
      const a = this.cs.get(msg.payload.readUInt32BE(0)); if (a) { a.remaining = 0; a.buf = null; }
    }
    this.h.message(msg);
  }
  push(b, start, end) {
    let o = start;
    while (o < end) {
      if (this.chunkLeft > 0) {
        const s = this.cur;
        const n = Math.min(this.chunkLeft, end - o);
        if (s.headLen < 16) { const k = Math.min(16 - s.headLen, n); b.copy(s.head, s.headLen, o, o + k); s.headLen += k; }
        if (s.buf) b.copy(s.buf, s.got, o, o + n);
        s.got += n; s.remaining -= n; this.chunkLeft -= n; o += n;
        if (this.chunkLeft === 0 && s.remaining === 0) this._finish(s);
        continue;
      }
      // header state
      if (this.hdrLen === 0) {
        const need = this._need(b, o, end - o);
        if (need > 0 && need <= end - o) { o += this._parseHeader(b, o); continue; }
        const k = Math.min(end - o, 18); b.copy(this.hdr, 0, o, o + k); this.hdrLen = k; o += k;
        continue; // k < 18 means buffer exhausted; otherwise loop will re-check via hdr
      }
      // continue an incomplete header held in this.hdr
      const add = Math.min(18 - this.hdrLen, end - o);
      b.copy(this.hdr, this.hdrLen, o, o + add);
      const total = this.hdrLen + add;
      const need = this._need(this.hdr, 0, total);
      if (need > 0 && need <= total) {
        this._parseHeader(this.hdr, 0);
        const usedFromNew = need - this.hdrLen; // may be negative if hdr already held more than needed
        this.hdrLen = 0;
        o += usedFromNew;
        if (usedFromNew < 0) { // header bytes we over-copied earlier belong to the payload: replay them
          const extra = this.hdr.subarray(need, total - add);
          const tmp = Buffer.from(extra); this.push(tmp, 0, tmp.length);
        }
        continue;
      }
      this.hdrLen = total; o += add;
    }
  }
}

// ---------------------------------------------------------------------------
// HTTP-FLV: response head, then the body (chunked or delimited by close) as FLV: header, tags.
// Push parser over the shared read buffer: keeps only the bytes it must (a tag header, the first
// 16 bytes of a body, whole bodies for probes), never the stream.
class HttpFlvReader {
  constructor(keepPayload, onTag, onStatus) {
    this.keep = keepPayload; this.onTag = onTag; this.onStatus = onStatus;
    this.head = ''; this.inHead = true; this.chunked = false;
    this.chunkLeft = 0; this.chunkLine = ''; this.chunkState = 'size'; // size | data | crlf
    this.flvSkip = 13; // FLV header + PreviousTagSize0
    this.tagHdr = Buffer.alloc(11); this.tagHdrGot = 0; this.bodyLeft = 0; this.bodyHead = null; this.bodyParts = null; this.tagType = 0;
  }
  push(buf, o, end) {
    if (this.inHead) {
      const text = buf.toString('latin1', o, end); const at = (this.head + text).indexOf('\r\n\r\n');
      if (at < 0) { this.head += text; if (this.head.length > 16384) this.onStatus(0); return; }
      const all = this.head + text; const head = all.slice(0, at);
      this.inHead = false; this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
      this.onStatus(Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] || 0));
      o = end - (all.length - at - 4); this.head = '';
    }
    if (!this.chunked) { this.flv(buf, o, end); return; }
    while (o < end) {
      if (this.chunkState === 'data') {
        const k = Math.min(this.chunkLeft, end - o);
        this.flv(buf, o, o + k); o += k; this.chunkLeft -= k;
        if (this.chunkLeft === 0) this.chunkState = 'crlf';
      } else {
        const lf = buf.indexOf(10, o);
        const stop = lf < 0 || lf >= end ? end : lf + 1;
        if (this.chunkState === 'size') this.chunkLine += buf.toString('latin1', o, stop);
        o = stop;
        if (stop === end && (lf < 0 || lf >= end)) return;
        if (this.chunkState === 'crlf') { this.chunkState = 'size'; continue; }
        this.chunkLeft = parseInt(this.chunkLine, 16); this.chunkLine = '';
        this.chunkState = this.chunkLeft > 0 ? 'data' : 'end';
        if (this.chunkState === 'end') return;
      }
    }
  }
  flv(buf, o, end) {
    while (o < end) {
      if (this.flvSkip > 0) { const k = Math.min(this.flvSkip, end - o); this.flvSkip -= k; o += k; continue; }
      if (this.bodyLeft > 0) {
        const k = Math.min(this.bodyLeft, end - o);
        if (this.bodyHead.length < 16) this.bodyHead = Buffer.concat([this.bodyHead, buf.subarray(o, o + Math.min(k, 16 - this.bodyHead.length))]);
        if (this.bodyParts) this.bodyParts.push(Buffer.from(buf.subarray(o, o + k)));
        this.bodyLeft -= k; o += k;
        if (this.bodyLeft === 0) this.endTag();
        continue;
      }
      const k = Math.min(11 - this.tagHdrGot, end - o);
      buf.copy(this.tagHdr, this.tagHdrGot, o, o + k); this.tagHdrGot += k; o += k;
      if (this.tagHdrGot < 11) return;
      this.tagHdrGot = 0; this.tagType = this.tagHdr[0];
      this.bodyLeft = this.tagHdr.readUIntBE(1, 3); this.bodyHead = Buffer.alloc(0);
      this.bodyParts = this.keep && this.tagType === 9 ? [] : null;
      if (this.bodyLeft === 0) this.endTag();
    }
  }
  endTag() {
    this.flvSkip = 4; // PreviousTagSize
    if (this.tagType === 8 || this.tagType === 9) this.onTag(this.tagType, this.bodyHead, this.bodyParts ? Buffer.concat(this.bodyParts) : null);
    this.bodyParts = null;
  }
}


// RTSP play over TCP: requests in order, responses and `$` interleaved RTP frames parsed from one
// byte stream. Media: a video access unit ends with a marker bit (RFC 6184 §5.1); audio packets
// with the marker end an AU too. Probe players rebuild the AU's NAL units as AVCC (4-byte lengths,
// parameter sets and AUDs left out) so its tail hashes like the FLV video message the tap saw.
class RtspPlayReader {
  constructor(url, keepPayload, send, onMedia, onPlaying, onFail) {
    this.url = url; this.keep = keepPayload; this.send = send; this.onMedia = onMedia; this.onPlaying = onPlaying; this.onFail = onFail;
    this.cseq = 0; this.pending = null; this.session = null; this.tracks = []; this.setupAt = 0; this.base = url;
    this.text = ''; this.bodyLeft = -1; this.head = null;
    this.frame = Buffer.alloc(4); this.frameGot = 0; this.frameLeft = 0; this.channel = 0; this.parts = null;
    this.videoChannel = -1; this.audioChannel = -1; this.auKey = false; this.nals = null; this.fu = null;
  }
  start() { this.request('OPTIONS', this.url, []); }
  request(method, uri, headers) {
    this.pending = method;
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${++this.cseq}`, 'User-Agent: rtmp-load', ...headers];
    if (this.session) lines.push(`Session: ${this.session}`);
    this.send(lines.join('\r\n') + '\r\n\r\n');
  }
  push(buf, o, end) {
    while (o < end) {
      if (this.frameLeft > 0 || this.frameGot > 0) { o = this.interleaved(buf, o, end); continue; }
      if (this.bodyLeft < 0 && this.text === '' && buf[o] === 0x24) { this.frameGot = 0; o = this.interleaved(buf, o, end); continue; }
      if (this.bodyLeft >= 0) { // response body (SDP)
        const k = Math.min(this.bodyLeft, end - o); this.text += buf.toString('latin1', o, o + k); o += k; this.bodyLeft -= k;
        if (this.bodyLeft === 0) { const body = this.text; this.text = ''; this.bodyLeft = -1; this.response(this.head, body); }
        continue;
      }
      const lf = buf.indexOf(10, o); const stop = lf < 0 || lf >= end ? end : lf + 1;
      this.text += buf.toString('latin1', o, stop); o = stop;
      if (this.text.length > 16384) { this.onFail('rtsp: response head too long'); return; }
      const at = this.text.indexOf('\r\n\r\n');
      if (at < 0) continue;
      this.head = this.text.slice(0, at); this.text = '';
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(this.head)?.[1] || 0);
      if (len > 0) this.bodyLeft = len; else this.response(this.head, '');
    }
  }
  interleaved(buf, o, end) {
    if (this.frameGot < 4) {
      const k = Math.min(4 - this.frameGot, end - o); buf.copy(this.frame, this.frameGot, o, o + k); this.frameGot += k; o += k;
      if (this.frameGot < 4) return o;
      this.channel = this.frame[1]; this.frameLeft = this.frame.readUInt16BE(2); this.parts = [];
      if (this.frameLeft === 0) { this.frameGot = 0; return o; }
    }
    const k = Math.min(this.frameLeft, end - o);
    // only the RTP header and a few payload bytes are needed, or the whole payload for probes
    if (this.keep || this.parts.length === 0) this.parts.push(Buffer.from(buf.subarray(o, o + (this.keep ? k : Math.min(k, 16)))));
    this.frameLeft -= k; o += k;
    if (this.frameLeft === 0) { this.frameGot = 0; this.packet(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)); this.parts = null; }
    return o;
  }
  packet(p) {
    if (p.length < 12 || (this.channel !== this.videoChannel && this.channel !== this.audioChannel)) return; // RTCP or short
    const marker = (p[1] & 0x80) !== 0; const cc = p[0] & 0x0f; const x = (p[0] & 0x10) !== 0;
    let o = 12 + cc * 4; if (x && p.length >= o + 4) o += 4 + p.readUInt16BE(o + 2) * 4;
    const pl = p.subarray(o);
    if (this.channel === this.audioChannel) { if (marker) this.onMedia(8, false, null); return; }
    if (pl.length > 0) {
      const t = pl[0] & 0x1f;
      if (t === 5 || (t === 28 && pl.length > 1 && (pl[1] & 0x1f) === 5)) this.auKey = true;
      if (t === 24) for (let i = 1; i + 2 < pl.length;) { const n = pl.readUInt16BE(i); if ((pl[i + 2] & 0x1f) === 5) this.auKey = true; if (this.keep) this.nal(pl.subarray(i + 2, i + 2 + n)); i += 2 + n; }
      else if (this.keep && t === 28 && pl.length > 1) {
        if (pl[1] & 0x80) this.fu = [Buffer.from([(pl[0] & 0xe0) | (pl[1] & 0x1f)])];
        if (this.fu) this.fu.push(pl.subarray(2));
        if ((pl[1] & 0x40) && this.fu) { this.nal(Buffer.concat(this.fu)); this.fu = null; }
      } else if (this.keep && t !== 28) this.nal(pl);
    }
    if (!marker) return;
    let avcc = null;
    if (this.keep && this.nals) { avcc = Buffer.concat(this.nals); this.nals = null; }
    this.onMedia(9, this.auKey, avcc); this.auKey = false;
  }
  nal(n) {
    const t = n[0] & 0x1f; if (t === 7 || t === 8 || t === 9) return;
    const len = Buffer.alloc(4); len.writeUInt32BE(n.length); (this.nals ??= []).push(len, Buffer.from(n));
  }
  response(head, body) {
    const status = Number(/^RTSP\/1\.0 (\d{3})/.exec(head)?.[1] || 0);
    if (status !== 200) { this.onFail(`rtsp ${this.pending} ${status}`); return; }
    const session = /\r\nsession:\s*([^;\r\n]+)/i.exec(head)?.[1]; if (session) this.session = session.trim();
    if (this.pending === 'OPTIONS') { this.request('DESCRIBE', this.url, ['Accept: application/sdp']); return; }
    if (this.pending === 'DESCRIBE') {
      const cb = /\r\ncontent-base:\s*(\S+)/i.exec(head)?.[1]; if (cb) this.base = cb.replace(/\/$/, '');
      let media = null;
      for (const line of body.split(/\r?\n/)) {
        if (line.startsWith('m=')) { media = { kind: line.slice(2).split(' ')[0], control: null }; this.tracks.push(media); }
        else if (media && line.startsWith('a=control:')) media.control = line.slice(10).trim();
      }
      this.tracks = this.tracks.filter((t) => (t.kind === 'video' || t.kind === 'audio') && t.control);
      if (this.tracks.length === 0) { this.onFail('rtsp: no track in SDP'); return; }
      this.setupAt = 0; this.setupNext(); return;
    }
    if (this.pending === 'SETUP') { this.setupAt++; this.setupNext(); return; }
    if (this.pending === 'PLAY') this.onPlaying();
  }
  setupNext() {
    if (this.setupAt >= this.tracks.length) { this.request('PLAY', this.base + '/', ['Range: npt=0.000-']); return; }
    const t = this.tracks[this.setupAt]; const ch = this.setupAt * 2;
    if (t.kind === 'video' && this.videoChannel < 0) this.videoChannel = ch; else if (t.kind === 'audio' && this.audioChannel < 0) this.audioChannel = ch;
    const uri = /^rtsp:\/\//.test(t.control) ? t.control : `${this.base}/${t.control}`;
    this.request('SETUP', uri, [`Transport: RTP/AVP/TCP;unicast;interleaved=${ch}-${ch + 1}`]);
  }
}

// ---------------------------------------------------------------------------
// video tag classification from the first bytes of a video message
function classifyVideo(head) {
  if (head.length < 1) return { key: false, seq: false };
  const b0 = head[0];
  if (b0 & 0x80) { // enhanced RTMP
    const ft = (b0 >> 4) & 7; const pt = b0 & 0x0f;
    return { key: ft === 1 && (pt === 1 || pt === 3), seq: pt === 0 };
  }
  const ft = b0 >> 4; const codec = b0 & 0x0f;
  if ((codec === 7 || codec === 12 || codec === 13) && head.length >= 2) {
    return { key: ft === 1 && head[1] === 1, seq: head[1] === 0 };
  }
  return { key: ft === 1, seq: false };
}
const contentKey = (payload) => crypto.createHash('sha1')
  .update(payload.subarray(Math.max(0, payload.length - 512))).digest('hex').slice(0, 20);

// ---------------------------------------------------------------------------
// /proc sampling (Linux)
const CLK_TCK = 100; // USER_HZ; Linux exposes /proc times in USER_HZ (100 on all mainstream builds)
function readStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const r = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(r[1]), ticks: Number(r[11]) + Number(r[12]), uticks: Number(r[11]), comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) };
  } catch { return null; }
}
function readRssKb(pid) {
  try { const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Number(m[1]) : 0; } catch { return 0; }
}
function procTree(roots) {
  const children = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(d); if (!st) continue;
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid).push(Number(d));
  }
  const out = new Set(); const q = [...roots];
  while (q.length) { const p = q.pop(); if (out.has(p)) continue; if (!fs.existsSync(`/proc/${p}`)) continue; out.add(p); for (const c of children.get(p) || []) q.push(c); }
  return [...out];
}
function treeTicks(pids) { const m = new Map(); for (const p of pids) { const s = readStat(p); if (s) m.set(p, s.ticks); } return m; }
// on-CPU nanoseconds of every thread of these processes (/proc/PID/task/TID/schedstat, field 1):
// far finer than the 10 ms ticks of /proc/PID/stat; null where the kernel has no schedstat
function treeThreadNs(pids) {
  const m = new Map();
  for (const p of pids) {
    let tids; try { tids = fs.readdirSync(`/proc/${p}/task`); } catch { continue; }
    for (const t of tids) {
      try { m.set(`${p}/${t}`, Number(fs.readFileSync(`/proc/${p}/task/${t}/schedstat`, 'utf8').split(' ')[0])); } catch { /* gone */ }
    }
  }
  return m;
}
function treeUserTicks(pids) { const m = new Map(); for (const p of pids) { const s = readStat(p); if (s) m.set(p, s.uticks); } return m; }
function machineStat() {
  const l = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = l[3] + (l[4] || 0); const total = l.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle, total };
}
// nearest-rank percentile (p50 of [a,b] is a; p95 of 20 samples is the 19th)
function pct(arr, p) { if (!arr.length) return null; const s = [...arr].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))]; }
const r1 = (x) => x === null || x === undefined ? null : Math.round(x * 10) / 10;

// ---------------------------------------------------------------------------
// TAP mode
if (A.mode === 'tap') {
  const L = parseHostPort(A.listen, '--listen'); const U = parseHostPort(A.upstream, '--upstream');
  assertLoopback(L.host); assertLoopback(U.host);
  if (!A['tap-log']) { console.error('--tap-log required'); process.exit(2); }
  const fd = fs.openSync(A['tap-log'], 'w');
  const maxTime = Number(A['max-time'] || 900);
  const sockets = new Set();
  const srv = net.createServer((c) => {
    const u = net.connect(U.port, U.host);
    sockets.add(c); sockets.add(u);
    let skip = 1 + 1536 + 1536; // C0 + C1 + C2
    let tData = 0; // time the read that completed a message was forwarded upstream
    const reader = new ChunkReader({
      assemble: (type) => type === 9,
      message: (m) => {
        if (m.type === 9 && m.payload && m.payload.length > 5) {
          fs.writeSync(fd, `${tData.toFixed(3)} ${contentKey(m.payload)}\n`);
        }
      },
    });
    c.on('data', (d) => {
      tData = nowMs();
      u.write(d);
      let o = 0;
      if (skip > 0) { const k = Math.min(skip, d.length); skip -= k; o = k; }
      if (o < d.length) reader.push(d, o, d.length);
    });
    u.on('data', (d) => c.write(d));
    const close = () => { c.destroy(); u.destroy(); sockets.delete(c); sockets.delete(u); };
    c.on('close', close); u.on('close', close); c.on('error', close); u.on('error', close);
  });
  srv.listen(L.port, L.host, () => log(`tap listening ${L.host}:${L.port} -> ${U.host}:${U.port}`));
  const stop = () => { srv.close(); for (const s of sockets) s.destroy(); try { fs.closeSync(fd); } catch { /* */ } process.exit(0); };
  process.on('SIGTERM', stop); process.on('SIGINT', stop);
  setTimeout(stop, maxTime * 1000).unref();
} else if (A.mode === 'publish') {
  await publishMode();
} else if (A.mode === 'connect-probe') {
  await connectProbeMode();
} else {
  await playMode();
}

// ---------------------------------------------------------------------------
// PLAY mode
async function playMode() {
  const raw = /^tcp:\/\//.test(A.url || '');
  const httpFlv = /^http:\/\//.test(A.url || '');
  const rtsp = /^rtsp:\/\//.test(A.url || '');
  const m = raw ? /^tcp:\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(A.url)
    : httpFlv ? /^http:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?(\/.+)$/.exec(A.url)
    : rtsp ? /^rtsp:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?(\/.+)$/.exec(A.url)
    : /^rtmp:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/([^/]+)\/(.+)$/.exec(A.url || '');
  if (!m) { console.error('bad or missing --url (rtmp://host:port/app/stream, http://host:port/app/stream.flv or tcp://host:port)'); process.exit(2); }
  const httpPath = httpFlv ? m[3] : null;
  const host = m[1].replace(/^\[|\]$/g, ''); const port = Number(m[2] || (rtsp ? 554 : 1935)); const app = m[3]; const stream = m[4];
  assertLoopback(host);
  const N = Math.max(1, Number(A.n) | 0);
  const ramp = Math.max(1, Number(A.ramp));
  const rampTimeout = Number(A['ramp-timeout']);
  const warmup = Number(A.warmup); const duration = Number(A.duration);
  const stallMs = Number(A['stall-ms']); const connectTimeout = Number(A['connect-timeout']) * 1000;
  const nProbes = raw ? 0 : Math.min(N, Math.max(0, Number(A.probes) | 0));
  const nLate = Math.max(0, Number(A.late) | 0);
  const stopPct = Math.min(100, Math.max(0, Number(A['stop-reading']) || 0));
  const nConnectProbes = raw || httpFlv || rtsp ? 0 : Math.max(0, Number(A['connect-probes']) | 0);
  const maxTime = Math.min(600, Number(A['max-time'] || (N / ramp + rampTimeout + warmup + duration + 20)));
  const tcUrl = `rtmp://${m[1]}:${port}/${app}`;
  const nStreams = Math.max(1, Number(A.streams) | 0);
  const streamOf = (id) => (nStreams > 1 ? id % nStreams : null);
  const nameOf = (text, id) => (nStreams > 1 ? text.replaceAll('{i}', String(id % nStreams)) : text);
  const t0 = nowMs();

  const hardStop = setTimeout(() => { console.error('[rtmp-load] --max-time reached, aborting'); finish('max-time'); }, maxTime * 1000);

  // shared read buffer: each read is processed synchronously, nothing retains it
  const SHARED = Buffer.allocUnsafe(256 * 1024);
  const players = [];
  let measuring = false; let winStart = 0; let winEnd = 0; let ending = false;

  class Player {
    constructor(id, probe, late = false) {
      this.id = id; this.probe = probe; this.late = late;
      this.st = { id, probe, late, tStart: null, tTcp: null, tHs: null, tConnected: null, tPlayStart: null,
        tFirstMedia: null, tFirstVideo: null, tFirstKey: null, bytes: 0, winBytes0: null, winBytes1: null,
        video: 0, audio: 0, data: 0, keyframes: 0, winVideo0: 0, winVideo1: 0, stalls: 0, preStalls: 0, stallMsTotal: 0,
        maxGapMs: 0, closed: false, tClosed: null, closeReason: null, statuses: [], failed: null };
      this.lastMedia = 0; this.ackWindow = 0; this.lastAck = 0; this.hsGot = 0; this.s1 = null;
      this.recv = probe ? [] : null; this.sid = 0; this.txn = 1; this.stopper = false;
    }
    start() {
      const st = this.st; st.tStart = nowMs();
      const sock = net.connect({ host, port, noDelay: true, onread: { buffer: SHARED, callback: (n, buf) => { this.onRead(buf, n); return true; } } });
      this.sock = sock;
      sock.on('connect', () => {
        st.tTcp = nowMs();
        if (raw) return; // raw byte sink: nothing to say
        if (rtsp) { this.reader.start(); st.tHs = nowMs(); return; }
        if (httpFlv) { sock.write(`GET ${nameOf(httpPath, this.id)} HTTP/1.1\r\nHost: ${m[1]}:${port}\r\nUser-Agent: rtmp-load\r\n\r\n`); st.tHs = nowMs(); return; }
        const c1 = crypto.randomBytes(1536); c1.writeUInt32BE(0, 0); c1.writeUInt32BE(0, 4);
        sock.write(Buffer.concat([Buffer.from([3]), c1]));
      });
      sock.on('error', (e) => { if (!st.failed && !ending) st.failed = 'socket: ' + e.code; });
      sock.on('close', () => {
        if (!st.closed) { st.closed = true; st.tClosed = nowMs(); st.closeReason = ending ? 'client' : 'server'; }
      });
      if (rtsp) {
        this.reader = new RtspPlayReader(`rtsp://${m[1]}:${port}${nameOf(m[3], this.id)}`, this.probe, (text) => this.send(text),
          (type, key, payload) => this.onMedia({ type, key, payload }, nowMs()),
          () => { st.tPlayStart = nowMs(); }, (why) => { st.failed = st.failed || why; this.close(); });
        return;
      }
      if (httpFlv) { this.reader = new HttpFlvReader(this.probe, (type, head, payload) => this.onMedia({ type, head, payload }, nowMs()),
        (status) => { if (status === 200) st.tPlayStart = nowMs(); else st.failed = st.failed || `http ${status}`; }); return; }
      this.reader = new ChunkReader({
        assemble: (type) => type !== 8 && type !== 18 && (type !== 9 || this.probe),
        message: (msg) => this.onMessage(msg),
      });
    }
    send(buf) { if (!this.sock.destroyed) this.sock.write(buf); }
    command(name, txn, ...args) { this.send(chunkMessage(3, 20, 0, 0, amf0Encode([name, txn, ...args]))); }
    onRead(buf, n) {
      const st = this.st; st.bytes += n;
      if (raw) { this.onMedia(null, nowMs()); return; } // every read counts as media arriving
      if (httpFlv || rtsp) { this.reader.push(buf, 0, n); return; }
      let o = 0;
      if (this.hsGot < 3073) {
        const k = Math.min(3073 - this.hsGot, n);
        // keep S1 (bytes 1..1536) to echo as C2
        if (this.hsGot < 1537) {
          if (!this.s1) this.s1 = Buffer.alloc(1536);
          const from = Math.max(1, this.hsGot); const to = Math.min(1537, this.hsGot + k);
          if (to > from) buf.copy(this.s1, from - 1, o + (from - this.hsGot), o + (to - this.hsGot));
        }
        this.hsGot += k; o += k;
        if (this.hsGot >= 3073) { st.tHs = nowMs(); this.afterHandshake(); }
      }
      if (o < n) this.reader.push(buf, o, n);
      if (this.ackWindow > 0 && st.bytes - this.lastAck >= this.ackWindow / 2) {
        this.lastAck = st.bytes;
        this.send(chunkMessage(2, 3, 0, 0, u32(st.bytes)));
      }
    }
    afterHandshake() {
      // C2 = echo of S1 (simple handshake), then connect right away
      this.send(this.s1); this.s1 = null;
      this.send(chunkMessage(2, 5, 0, 0, u32(2500000))); // our window ack size
      this.command('connect', this.txn++, {
        app, flashVer: 'LNX 9,0,124,2', tcUrl, fpad: false, capabilities: 15,
        audioCodecs: 4071, videoCodecs: 252, videoFunction: 1,
      });
    }
    onMessage(msg) {
      const st = this.st; const t = nowMs();
      switch (msg.type) {
        case 8: case 9: this.onMedia(msg, t); return;
        case 18: case 15: st.data++; return;
        case 22: this.onAggregate(msg, t); return;
        case 4: {
          if (!msg.payload || msg.payload.length < 2) return;
          const ev = msg.payload.readUInt16BE(0);
          if (ev === 6 && msg.payload.length >= 6) { // ping request -> ping response
            const b = Buffer.alloc(6); b.writeUInt16BE(7, 0); msg.payload.copy(b, 2, 2, 6);
            this.send(chunkMessage(2, 4, 0, 0, b));
          } else if (ev === 1) st.statuses.push('StreamEOF');
          return;
        }
        case 5: if (msg.payload && msg.payload.length >= 4) this.ackWindow = msg.payload.readUInt32BE(0); return;
        case 20: case 17: {
          if (!msg.payload) return;
          const v = amf0DecodeAll(msg.type === 17 ? msg.payload.subarray(1) : msg.payload);
          const name = v[0]; const txn = v[1];
          if (name === '_result' && txn === 1) { // connect
            st.tConnected = t;
            this.command('createStream', 2, null);
          } else if (name === '_result' && txn === 2) { // createStream
            this.sid = typeof v[3] === 'number' ? v[3] : 1;
            const play = amf0Encode(['play', 0, null, nameOf(stream, this.id), -2000]);
            this.send(chunkMessage(8, 20, this.sid, 0, play));
            const sb = Buffer.alloc(10); sb.writeUInt16BE(3, 0); sb.writeUInt32BE(this.sid, 2); sb.writeUInt32BE(3000, 6);
            this.send(chunkMessage(2, 4, 0, 0, sb)); // set buffer length 3000 ms
          } else if (name === '_error') {
            st.failed = st.failed || ('_error: ' + JSON.stringify(v[3]?.code || v[3]));
          } else if (name === 'onStatus') {
            const info = v[3] || {}; const code = info.code || '?';
            st.statuses.push(code);
            if (code === 'NetStream.Play.Start' && !st.tPlayStart) st.tPlayStart = t;
            if (/Failed|NotFound|BadName|Rejected/.test(code)) st.failed = st.failed || code;
          }
          return;
        }
        default: return;
      }
    }
    onAggregate(msg, t) {
      const p = msg.payload; if (!p) return;
      let o = 0;
      while (o + 11 <= p.length) {
        const type = p[o]; const size = p.readUIntBE(o + 1, 3);
        if (o + 11 + size > p.length) break;
        const body = p.subarray(o + 11, o + 11 + size);
        if (type === 8 || type === 9) this.onMedia({ type, payload: body, head: body.subarray(0, 16), length: size }, t);
        o += 11 + size + 4;
      }
    }
    onMedia(msg, t) {
      const st = this.st;
      if (this.lastMedia) {
        const gap = t - this.lastMedia;
        if (measuring) { // stalls are counted inside the measurement window only
          if (gap > st.maxGapMs) st.maxGapMs = gap;
          if (gap > stallMs) { st.stalls++; st.stallMsTotal += gap; }
        } else if (gap > stallMs) st.preStalls++;
      }
      this.lastMedia = t;
      if (!st.tFirstMedia) st.tFirstMedia = t;
      if (!msg) return; // raw mode
      if (msg.type === 8) { st.audio++; return; }
      st.video++;
      if (!st.tFirstVideo) st.tFirstVideo = t;
      const c = msg.key !== undefined ? { key: msg.key, seq: false } : classifyVideo(msg.head);
      if (c.key) { st.keyframes++; if (!st.tFirstKey) st.tFirstKey = t; }
      if (this.recv && msg.payload && !c.seq && msg.payload.length > 5) {
        const k = contentKey(msg.payload);
        this.recv.push([t, streamOf(this.id) === null ? k : `${streamOf(this.id)}:${k}`]);
      }
    }
    close() { if (this.sock && !this.sock.destroyed) this.sock.destroy(); }
  }

  // probes spread across the connection order
  const probeIdx = new Set();
  for (let i = 0; i < nProbes; i++) probeIdx.add(Math.floor(i * N / nProbes));
  for (let i = 0; i < N; i++) players.push(new Player(i, probeIdx.has(i)));
  // stoppers spread over the connection order (every k-th non-probe player), reported apart
  const nStop = raw ? 0 : Math.min(N - nProbes, Math.round(N * stopPct / 100));
  for (let i = 0, picked = 0; i < N && picked < nStop; i++) {
    if (!players[i].probe && Math.floor((i + 1) * nStop / N) > picked) { players[i].stopper = true; picked++; }
  }
  const lates = []; // late joiners: started during the window, reported apart
  for (let i = 0; i < nLate; i++) lates.push(new Player(N + i, false, true));
  const lateTimers = [];

  // server RSS before any player of this run connects (server + publisher only)
  const watchRoots = (A['watch-pids'] || '').split(',').filter(Boolean).map(Number);
  const rssBeforeKb = watchRoots.length ? procTree(watchRoots).reduce((a, p) => a + readRssKb(p), 0) : null;

  log(`play ${A.url}: N=${N} ramp=${ramp}/s warmup=${warmup}s window=${duration}s probes=${nProbes} late=${nLate}`);
  // ramp up
  await new Promise((resolve) => {
    let i = 0; const interval = 1000 / ramp; const tRamp = nowMs();
    const tick = () => {
      const due = Math.min(N, Math.floor((nowMs() - tRamp) / interval) + 1);
      while (i < due) players[i++].start();
      if (i < N) setTimeout(tick, Math.max(1, interval)); else resolve();
    };
    tick();
  });
  // wait until every player has media, failed, or timed out
  await new Promise((resolve) => {
    const tDeadline = nowMs() + rampTimeout * 1000;
    const check = () => {
      const now = nowMs(); let pending = 0;
      for (const p of players) {
        const st = p.st;
        if (st.tFirstMedia || st.failed || st.closed) continue;
        if (now - st.tStart > connectTimeout) { st.failed = st.failed || 'timeout: no media'; continue; }
        pending++;
      }
      if (!pending || now > tDeadline) resolve(); else setTimeout(check, 50);
    };
    check();
  });
  const tRampDone = nowMs();
  log(`ramp done in ${((tRampDone - t0) / 1000).toFixed(1)}s: ${players.filter((p) => p.st.tFirstMedia).length}/${N} receiving media`);
  await sleep(warmup * 1000);

  // measurement window
  const aux = (A['watch-aux'] || '').split(',').filter(Boolean).map((s) => { const [name, pid] = s.split(':'); return { name, pid: Number(pid) }; });
  let tree = watchRoots.length ? procTree(watchRoots) : [];
  const ticks0 = treeTicks(tree); const uticks0 = treeUserTicks(tree); const ns0 = treeThreadNs(tree);
  const aux0 = aux.map((a) => readStat(a.pid)?.ticks ?? null);
  const mach0 = machineStat();
  const self0 = process.cpuUsage();
  const rssSamples = []; const cpuTimeline = [];
  const sampleRss = () => { if (tree.length) rssSamples.push(tree.reduce((a, p) => a + readRssKb(p), 0)); };
  winStart = nowMs(); measuring = true;
  // a stopped player keeps its socket open and reads nothing more: the kernel buffers fill, then
  // the server's writes to it block
  for (const p of players) if (p.stopper && p.sock && !p.sock.destroyed) p.sock.pause();
  for (const p of players) { p.st.winBytes0 = p.st.bytes; p.st.winVideo0 = p.st.video; }
  lates.forEach((p, i) => lateTimers.push(setTimeout(() => p.start(), (i + 0.5) * duration * 1000 / nLate)));
  const connectProbe = nConnectProbes > 0 ? startConnectProbes() : null;
  sampleRss();
  let lastTicks = ticks0; let lastT = winStart;
  const sampler = setInterval(() => {
    if (!tree.length) return;
    tree = procTree(watchRoots);
    const tk = treeTicks(tree); const now = nowMs();
    let d = 0; for (const [p, v] of tk) d += v - (lastTicks.get(p) ?? v);
    cpuTimeline.push(r1(d / CLK_TCK / ((now - lastT) / 1000) * 100));
    lastTicks = new Map([...lastTicks, ...tk]); lastT = now;
    sampleRss();
  }, 1000);
  await sleep(duration * 1000);
  clearInterval(sampler);
  winEnd = nowMs();
  for (const p of lates) { p.st.winBytes0 = 0; p.st.winBytes1 = p.st.bytes; }
  for (const p of players) {
    p.st.winBytes1 = p.st.bytes; p.st.winVideo1 = p.st.video;
    // a stall still open at the end of the window
    if (p.lastMedia && winEnd - p.lastMedia > stallMs && !p.st.closed) { p.st.stalls++; p.st.stallMsTotal += winEnd - p.lastMedia; }
  }
  const winSec = (winEnd - winStart) / 1000;
  tree = watchRoots.length ? [...new Set([...tree, ...procTree(watchRoots)])] : [];
  const ticks1 = treeTicks(tree); const uticks1 = treeUserTicks(tree); const ns1 = treeThreadNs(tree);
  let dNs = 0; for (const [k, v] of ns1) dNs += v - (ns0.get(k) ?? 0);
  const schedOk = ns0.size > 0 && ns1.size > 0;
  let dTicks = 0; for (const [p, v] of ticks1) dTicks += v - (ticks0.get(p) ?? 0);
  let dUTicks = 0; for (const [p, v] of uticks1) dUTicks += v - (uticks0.get(p) ?? 0);
  sampleRss();
  const mach1 = machineStat();
  const self1 = process.cpuUsage(self0);
  const auxOut = aux.map((a, i) => { const t1 = readStat(a.pid)?.ticks; return { name: a.name, pid: a.pid, cpuPct: (aux0[i] !== null && t1 !== undefined) ? r1((t1 - aux0[i]) / CLK_TCK / winSec * 100) : null }; });
  // a paused socket never reads the server's FIN: resume the stopped players so the ones the server
  // disconnected (slow-reader deadline) show as closed; what they read now is outside the window
  if (players.some((p) => p.stopper)) {
    for (const p of players) if (p.stopper && p.sock && !p.sock.destroyed) p.sock.resume();
    await sleep(500);
  }
  // give late joiners that started near the end of the window time to see a keyframe (bounded)
  if (lates.length) {
    const tLateDeadline = nowMs() + Math.min(connectTimeout, 5000);
    const waiting = (st) => st.tStart && !(raw ? st.tFirstMedia : st.tFirstKey) && !st.failed && !st.closed;
    while (nowMs() < tLateDeadline && lates.some((p) => waiting(p.st))) await sleep(50);
  }
  const connectProbeResult = connectProbe !== null ? await connectProbe : null;
  finish(null, { connectProbeResult, winSec, dTicks, dUTicks, dNs: schedOk ? dNs : null, tree, rssSamples, cpuTimeline, mach0, mach1, self1, auxOut });

  /** The connect-probe process (see --connect-probes), resolved with its JSON or null (bounded). */
  function startConnectProbes() {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [process.argv[1], '--mode', 'connect-probe', '--url', A.url, '--n', String(nConnectProbes),
        '--duration', String(duration), ...(A['allow-remote'] ? ['--allow-remote'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      const kill = setTimeout(() => child.kill('SIGKILL'), (duration + 10) * 1000);
      child.on('exit', () => { clearTimeout(kill); try { resolve(JSON.parse(out)); } catch { resolve(null); } });
    });
  }

  function finish(abort, w) {
    if (ending) return; ending = true; measuring = false;
    clearTimeout(hardStop);
    for (const t of lateTimers) clearTimeout(t);
    for (const p of players) p.close();
    for (const p of lates) p.close();
    const S = players.filter((p) => !p.stopper).map((p) => p.st); // the players that keep reading
    const STOP = players.filter((p) => p.stopper).map((p) => p.st);
    const LS = lates.map((p) => p.st).filter((s) => s.tStart);
    const rel = (a, b) => (a && b ? a - b : null);
    const ttfk = S.filter((s) => s.tFirstKey).map((s) => s.tFirstKey - s.tStart);
    const ttfm = S.filter((s) => s.tFirstMedia).map((s) => s.tFirstMedia - s.tStart);
    const ttfv = S.filter((s) => s.tFirstVideo).map((s) => s.tFirstVideo - s.tStart);
    const ttps = S.filter((s) => s.tPlayStart).map((s) => s.tPlayStart - s.tStart);
    // handshake done (C2 + connect sent) → connect _result received: the server's answer time (goal: < 5 ms)
    const ttca = S.filter((s) => s.tConnected && s.tHs).map((s) => s.tConnected - s.tHs);
    const mainBytes = S.reduce((a, s) => a + ((s.winBytes1 ?? s.bytes) - (s.winBytes0 ?? 0)), 0);
    const lateBytes = LS.reduce((a, s) => a + ((s.winBytes1 ?? s.bytes) - (s.winBytes0 ?? 0)), 0);
    const stopBytes = STOP.reduce((a, s) => a + ((s.winBytes1 ?? s.bytes) - (s.winBytes0 ?? 0)), 0);
    const winBytes = mainBytes + lateBytes + stopBytes; // everything the server delivered in the window
    const winVideo = S.reduce((a, s) => a + ((s.winVideo1 ?? s.video) - (s.winVideo0 ?? 0)), 0);
    const winSec = w ? w.winSec : null;
    const res = {
      tool: 'rtmp-load.mjs', version: 1, abort, node: process.version, host: os.hostname(), cores: os.cpus().length,
      url: A.url, raw, n: N, late: nLate, rampPerSec: ramp, warmupSec: warmup, durationSec: duration, stallMs,
      rampSec: r1((tRampDone - t0) / 1000), windowSec: winSec && r1(winSec),
      players: {
        receivingMedia: S.filter((s) => s.tFirstMedia).length,
        gotKeyframe: S.filter((s) => s.tFirstKey).length,
        failed: S.filter((s) => s.failed).length,
        failReasons: [...new Set(S.map((s) => s.failed).filter(Boolean))].slice(0, 5),
        disconnected: S.filter((s) => s.closed && s.closeReason === 'server').length,
        stalls: S.reduce((a, s) => a + s.stalls, 0),
        stallsBeforeWindow: S.reduce((a, s) => a + s.preStalls, 0),
        playersWithStalls: S.filter((s) => s.stalls > 0).length,
        maxGapMs: r1(Math.max(0, ...S.map((s) => s.maxGapMs))),
        ttfkMs: { p50: r1(pct(ttfk, 50)), p95: r1(pct(ttfk, 95)), max: r1(ttfk.length ? Math.max(...ttfk) : null) },
        ttfmMs: { p50: r1(pct(ttfm, 50)), p95: r1(pct(ttfm, 95)) },
        ttfvMs: { p50: r1(pct(ttfv, 50)), p95: r1(pct(ttfv, 95)) },
        playStartMs: { p50: r1(pct(ttps, 50)), p95: r1(pct(ttps, 95)) },
        connectAnswerMs: { p50: r1(pct(ttca, 50)), p95: r1(pct(ttca, 95)), max: r1(ttca.length ? Math.max(...ttca) : null) },
        windowBytes: winBytes,
        deliveredMbps: winSec ? r1(winBytes * 8 / winSec / 1e6) : null,
        perPlayerMbps: winSec ? Math.round(mainBytes * 8 / winSec / 1e6 / Math.max(1, S.length) * 1000) / 1000 : null,
        videoFpsPerPlayer: winSec ? r1(winVideo / winSec / Math.max(1, S.length)) : null,
        stoppedReading: STOP.length,
      },
    };
    if (w?.connectProbeResult) {
      const c = w.connectProbeResult;
      res.players.connectProbeMs = { samples: c.samples, failed: c.failed, p50: r1(pct(c.ms, 50)), p95: r1(pct(c.ms, 95)), max: r1(c.ms.length ? Math.max(...c.ms) : null) };
    }
    if (STOP.length) {
      // disconnected: closed by the server by the end of the window (seen once they read again)
      res.stoppedPlayers = { n: STOP.length, pct: stopPct, disconnected: STOP.filter((s) => s.closed && s.closeReason === 'server').length };
    }
    if (LS.length) {
      const lv = LS.filter((s) => s.tFirstVideo).map((s) => s.tFirstVideo - s.tStart);
      const lk = LS.filter((s) => s.tFirstKey).map((s) => s.tFirstKey - s.tStart);
      res.lateJoiners = { n: LS.length, gotVideo: lv.length, gotKeyframe: lk.length,
        failed: LS.filter((s) => s.failed).length,
        ttfvMs: { p50: r1(pct(lv, 50)), p95: r1(pct(lv, 95)) }, ttfkMs: { p50: r1(pct(lk, 50)), p95: r1(pct(lk, 95)) },
        samples: LS.map((s) => ({ ttfvMs: r1(rel(s.tFirstVideo, s.tStart)), ttfkMs: r1(rel(s.tFirstKey, s.tStart)),
          ttfmMs: r1(rel(s.tFirstMedia, s.tStart)), failed: s.failed })) };
    }
    if (w) {
      const busy = 1 - (w.mach1.idle - w.mach0.idle) / Math.max(1, w.mach1.total - w.mach0.total);
      // total from schedstat (ns) where available, else ticks; the user/sys split is the ticks' ratio
      const cpuSec = w.dNs !== null ? w.dNs / 1e9 : w.dTicks / CLK_TCK;
      const userSec = w.dTicks > 0 ? cpuSec * w.dUTicks / w.dTicks : 0;
      const perGB = (x) => (winBytes > 0 ? Math.round(x / (winBytes / 1e9) * 100) / 100 : null);
      res.server = w.tree.length ? {
        pids: w.tree, cpuSource: w.dNs !== null ? 'schedstat' : 'ticks', cpuSec: Math.round(cpuSec * 1000) / 1000,
        cpuTicksSec: w.dTicks / CLK_TCK, cpuPctOfOneCore: r1(cpuSec / w.winSec * 100),
        cpuSecPerGB: perGB(cpuSec), userSecPerGB: perGB(userSec), sysSecPerGB: perGB(cpuSec - userSec),
        rssBeforeMB: rssBeforeKb === null ? null : r1(rssBeforeKb / 1024),
        rssMaxMB: r1(Math.max(0, ...w.rssSamples) / 1024), rssEndMB: r1(w.rssSamples[w.rssSamples.length - 1] / 1024),
        cpuTimelinePct: w.cpuTimeline,
      } : null;
      res.client = { cpuPctOfOneCore: r1((w.self1.user + w.self1.system) / 1e6 / w.winSec * 100) };
      res.aux = w.auxOut;
      res.machine = { busyPct: r1(busy * 100), cores: os.cpus().length };
    }
    // latency from probes vs tap log
    if (A['tap-log'] && nProbes > 0) {
      try {
        const sends = new Map();
        for (const line of fs.readFileSync(A['tap-log'], 'utf8').split('\n')) {
          const sp = line.indexOf(' '); if (sp < 0) continue;
          const k = line.slice(sp + 1); const t = Number(line.slice(0, sp));
          if (!sends.has(k)) sends.set(k, []); sends.get(k).push(t);
        }
        const lat = []; let unmatched = 0;
        for (const p of players) {
          if (!p.recv) continue;
          for (const [t, k] of p.recv) {
            if (winStart && (t < winStart || t > winEnd)) continue;
            const arr = sends.get(k); if (!arr) { unmatched++; continue; }
            let best = null; for (const s of arr) if (s <= t + 0.5) best = s; // latest forward time before receipt
            if (best === null) { unmatched++; continue; }
            if (p.st.tPlayStart && best < p.st.tPlayStart) continue; // GOP-cache replay, not live latency
            lat.push(t - best);
          }
        }
        res.latencyMs = { samples: lat.length, unmatched, p50: r1(pct(lat, 50)), p95: r1(pct(lat, 95)), max: r1(lat.length ? Math.max(...lat) : null) };
      } catch (e) { res.latencyMs = { error: String(e.message || e) }; }
    }
    if (A['per-conn']) {
      res.perConn = S.concat(LS).map((s) => ({ id: s.id, probe: s.probe, late: s.late, tcpMs: r1(rel(s.tTcp, s.tStart)), hsMs: r1(rel(s.tHs, s.tStart)),
        connectedMs: r1(rel(s.tConnected, s.tStart)), playStartMs: r1(rel(s.tPlayStart, s.tStart)), firstMediaMs: r1(rel(s.tFirstMedia, s.tStart)),
        firstVideoMs: r1(rel(s.tFirstVideo, s.tStart)), firstKeyMs: r1(rel(s.tFirstKey, s.tStart)), bytes: s.bytes,
        windowBytes: (s.winBytes1 ?? s.bytes) - (s.winBytes0 ?? 0), video: s.video, audio: s.audio, keyframes: s.keyframes,
        stalls: s.stalls, stallMs: r1(s.stallMsTotal), maxGapMs: r1(s.maxGapMs), disconnected: s.closeReason === 'server',
        failed: s.failed, statuses: s.statuses.slice(0, 6) }));
    }
    if (A.json) fs.writeFileSync(A.json, JSON.stringify(res, null, 1));
    const P = res.players;
    const line = [`N=${N}`, `media=${P.receivingMedia}/${S.length}`, `key=${P.gotKeyframe}`, `failed=${P.failed}`, `disc=${P.disconnected}`,
      `stalls=${P.stalls}(${P.playersWithStalls} players)`, `ttfk p50/p95=${P.ttfkMs.p50}/${P.ttfkMs.p95}ms`,
      `delivered=${P.deliveredMbps}Mbps (${P.perPlayerMbps}/player, ${P.videoFpsPerPlayer}fps)`];
    if (res.server) line.push(`server cpu=${res.server.cpuPctOfOneCore}% ${res.server.cpuSecPerGB}s/GB rss=${res.server.rssMaxMB}MB`);
    if (res.client) line.push(`client cpu=${res.client.cpuPctOfOneCore}%`, `machine busy=${res.machine.busyPct}%`);
    if (res.latencyMs && res.latencyMs.samples !== undefined) line.push(`lat p50/p95=${res.latencyMs.p50}/${res.latencyMs.p95}ms`);
    if (res.stoppedPlayers) line.push(`stopped=${res.stoppedPlayers.n} (disc ${res.stoppedPlayers.disconnected})`);
    if (res.lateJoiners) line.push(`late ttfv/ttfk p50=${res.lateJoiners.ttfvMs.p50}/${res.lateJoiners.ttfkMs.p50}ms`);
    if (!A.quiet) console.log(line.join('  '));
    setTimeout(() => process.exit(abort ? 1 : 0), 50);
  }
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// ---------------------------------------------------------------------------
// PUBLISH mode: M RTMP publishers of one looped FLV file in this process (see --help)
async function publishMode() {
  const m = /^rtmp:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/([^/]+)\/(.+)$/.exec(A.url || '');
  if (!m || !A.source) { console.error('publish: --url rtmp://host:port/app/name{i} and --source FILE.flv needed'); process.exit(2); }
  const host = m[1].replace(/^\[|\]$/g, ''); const port = Number(m[2] || (rtsp ? 554 : 1935)); const app = m[3];
  assertLoopback(host);
  const M = Math.max(1, Number(A.streams) | 0);
  const maxTime = Number(A['max-time'] || 900);
  // the source's tags: [type, timestamp, body, key of a video body (for the log)]
  const file = fs.readFileSync(A.source);
  const tags = [];
  for (let o = file.readUInt32BE(5) + 4; o + 11 <= file.length;) {
    const type = file[o]; const size = file.readUIntBE(o + 1, 3);
    const ts = (file.readUIntBE(o + 4, 3) | (file[o + 7] << 24)) >>> 0;
    if (o + 11 + size > file.length) break;
    const body = file.subarray(o + 11, o + 11 + size);
    if (type === 8 || type === 9 || type === 18) tags.push({ type, ts, body, key: type === 9 && size > 5 ? contentKey(body) : null });
    o += 11 + size + 4;
  }
  if (!tags.length) { console.error('publish: no tags in source'); process.exit(2); }
  const t0s = tags[0].ts; const loopMs = tags[tags.length - 1].ts - t0s + 33;
  const frameMs = 1000 / 30;
  const CHUNK = 4096;
  const chunked = (csid, type, ts, payload) => { // fmt 0 + fmt 3 continuation chunks, stream id 1
    const n = Math.max(1, Math.ceil(payload.length / CHUNK)); const out = Buffer.allocUnsafe(12 + payload.length + (n - 1));
    out[0] = csid; out.writeUIntBE(Math.min(ts, 0xffffff), 1, 3); out.writeUIntBE(payload.length, 4, 3); out[7] = type; out.writeUInt32LE(1, 8);
    let w = 12;
    for (let off = 0; off < payload.length; off += CHUNK) {
      if (off > 0) out[w++] = 0xc0 | csid;
      w += payload.copy(out, w, off, Math.min(payload.length, off + CHUNK));
    }
    return out;
  };
  const setDataFrame = amf0Encode(['@setDataFrame']);
  const logFd = A['tap-log'] ? fs.openSync(A['tap-log'], 'w') : null;
  let logBuf = '';
  const flushLog = () => { if (logFd !== null && logBuf) { fs.writeSync(logFd, logBuf); logBuf = ''; } };
  const pubs = [];
  const connectOne = (i) => new Promise((resolve) => {
    const name = (m[4] || 'bench{i}').replaceAll('{i}', String(i));
    const sock = net.connect({ host, port, noDelay: true });
    const pub = { i, sock, live: false, next: 0, loops: 0, start: 0 };
    let hs = Buffer.alloc(0); let shaken = false;
    const reader = new ChunkReader({
      assemble: (type) => type === 20 || type === 1,
      message: (msg) => {
        if (msg.type !== 20 || !msg.payload) return;
        const v = amf0DecodeAll(msg.payload);
        if (v[0] === '_result' && v[1] === 1) sock.write(chunkMessage(3, 20, 0, 0, amf0Encode(['createStream', 2, null])));
        else if (v[0] === '_result' && v[1] === 2) sock.write(chunkMessage(4, 20, 1, 0, amf0Encode(['publish', 3, null, name, 'live'])));
        else if (v[0] === 'onStatus') {
          const code = v[3]?.code;
          if (code === 'NetStream.Publish.Start' && !pub.live) { pub.live = true; resolve(pub); }
          else if (!pub.live) { console.error(`publish ${name}: ${code}`); resolve(null); }
        } else if (v[0] === '_error') { console.error(`publish ${name}: _error`); resolve(null); }
      },
    });
    sock.on('connect', () => { const c1 = crypto.randomBytes(1536); c1.writeUInt32BE(0, 0); c1.writeUInt32BE(0, 4); sock.write(Buffer.concat([Buffer.from([3]), c1])); });
    sock.on('data', (d) => {
      if (!shaken) {
        hs = Buffer.concat([hs, d]);
        if (hs.length < 3073) return;
        shaken = true;
        sock.write(hs.subarray(1, 1537));
        sock.write(chunkMessage(2, 1, 0, 0, u32(CHUNK)));
        sock.write(chunkMessage(3, 20, 0, 0, amf0Encode(['connect', 1, { app, type: 'nonprivate', flashVer: 'FMLE/3.0', tcUrl: `rtmp://${m[1]}:${port}/${app}` }])));
        if (hs.length > 3073) reader.push(hs, 3073, hs.length);
        return;
      }
      reader.push(d, 0, d.length);
    });
    sock.on('error', () => resolve(null));
    sock.on('close', () => { if (pub.live) console.error(`publish ${name}: closed by the server`); pub.live = false; resolve(null); });
    setTimeout(() => resolve(null), 10000).unref();
  });
  // connect 50 at a time
  for (let i = 0; i < M; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, M - i) }, (_, k) => connectOne(i + k)));
    pubs.push(...batch.filter(Boolean));
  }
  const tStart = nowMs();
  for (const p of pubs) p.start = tStart + (p.i / M) * frameMs;
  process.stdout.write(`ready ${pubs.length}\n`);
  // one timer for all: every stream sends what is due on its own clock, one write per stream and turn
  const pump = () => {
    const now = nowMs();
    for (const p of pubs) {
      if (!p.live) continue;
      const parts = [];
      for (;;) {
        const tag = tags[p.next];
        const due = p.start + p.loops * loopMs + (tag.ts - t0s);
        if (due > now) break;
        const ts = Math.round(p.loops * loopMs + tag.ts - t0s);
        if (tag.type === 18) { if (p.loops === 0) parts.push(chunked(5, 18, ts, Buffer.concat([setDataFrame, tag.body]))); }
        else parts.push(chunked(tag.type === 9 ? 6 : 4, tag.type, ts, tag.body));
        if (tag.key && logFd !== null) logBuf += `${now.toFixed(3)} ${p.i}:${tag.key}\n`;
        if (++p.next === tags.length) { p.next = 0; p.loops++; }
      }
      if (parts.length) p.sock.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    }
    if (logBuf.length > 65536) flushLog();
  };
  const timer = setInterval(pump, 4);
  const logTimer = setInterval(flushLog, 250);
  const stop = () => { clearInterval(timer); clearInterval(logTimer); flushLog(); for (const p of pubs) p.sock.destroy(); process.exit(0); };
  process.on('SIGTERM', stop); process.on('SIGINT', stop);
  setTimeout(stop, maxTime * 1000).unref();
}

// ---------------------------------------------------------------------------
// CONNECT-PROBE mode: K connects one after another, spread over --duration, each timed from the
// end of the handshake (C2 + connect sent) to the connect _result; this process does nothing else
async function connectProbeMode() {
  const m = /^rtmp:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/([^/]+)\/(.+)$/.exec(A.url || '');
  if (!m) { console.error('connect-probe: bad or missing --url'); process.exit(2); }
  const host = m[1].replace(/^\[|\]$/g, ''); const port = Number(m[2] || (rtsp ? 554 : 1935)); const app = m[3];
  assertLoopback(host);
  const k = Math.max(1, Number(A.n) | 0); const spacing = Number(A.duration) * 1000 / k;
  const ms = []; let failed = 0;
  const one = () => new Promise((resolve) => {
    let hs = Buffer.alloc(0); let tHs = 0; let done = false;
    const sock = net.connect({ host, port, noDelay: true });
    const end = (v) => { if (done) return; done = true; clearTimeout(timer); sock.destroy(); if (v === null) failed++; else ms.push(v); resolve(); };
    const timer = setTimeout(() => end(null), 5000);
    const reader = new ChunkReader({
      assemble: (type) => type === 20,
      message: (msg) => {
        if (msg.type !== 20 || !msg.payload) return;
        const v = amf0DecodeAll(msg.payload);
        if (v[0] === '_result' && v[1] === 1) end(nowMs() - tHs);
        else if (v[0] === '_error') end(null);
      },
    });
    sock.on('connect', () => { const c1 = crypto.randomBytes(1536); c1.writeUInt32BE(0, 0); c1.writeUInt32BE(0, 4); sock.write(Buffer.concat([Buffer.from([3]), c1])); });
    sock.on('data', (d) => {
      if (tHs === 0) {
        hs = Buffer.concat([hs, d]);
        if (hs.length < 3073) return;
        tHs = nowMs();
        sock.write(hs.subarray(1, 1537)); // C2 = echo of S1
        sock.write(chunkMessage(2, 5, 0, 0, u32(2500000)));
        sock.write(chunkMessage(3, 20, 0, 0, amf0Encode(['connect', 1, { app, flashVer: 'LNX 9,0,124,2', tcUrl: `rtmp://${m[1]}:${port}/${app}`, fpad: false, capabilities: 15, audioCodecs: 4071, videoCodecs: 252, videoFunction: 1 }])));
        if (hs.length > 3073) reader.push(hs, 3073, hs.length);
        return;
      }
      reader.push(d, 0, d.length);
    });
    sock.on('error', () => end(null)); sock.on('close', () => end(null));
  });
  const t0 = nowMs();
  for (let i = 0; i < k; i++) {
    const wait = t0 + (i + 0.5) * spacing - nowMs();
    if (wait > 0) await sleep(wait);
    await one();
  }
  process.stdout.write(JSON.stringify({ samples: ms.length, failed, ms: ms.map(r1) }) + '\n');
  process.exit(0);
}
