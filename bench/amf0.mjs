// amf0.mjs — the AMF0 the bench's RTMP clients and the Node floor peer speak: encode command values,
// decode a command's values (what decoded before a malformed value is kept; nesting bounded).
export function amf0Encode(values) {
  const parts = [];
  const enc = (v) => {
    if (v === null || v === undefined) { parts.push(Buffer.from([0x05])); return; }
    if (typeof v === 'number') { const b = Buffer.alloc(9); b[0] = 0; b.writeDoubleBE(v, 1); parts.push(b); return; }
    if (typeof v === 'boolean') { parts.push(Buffer.from([0x01, v ? 1 : 0])); return; }
    if (typeof v === 'string') {
      const s = Buffer.from(v, 'utf8'); const h = Buffer.alloc(3); h[0] = 0x02; h.writeUInt16BE(s.length, 1);
      parts.push(h, s); return;
    }
    if (typeof v === 'object') {
      parts.push(Buffer.from([0x03]));
      for (const [k, val] of Object.entries(v)) {
        const kb = Buffer.from(k, 'utf8'); const kh = Buffer.alloc(2); kh.writeUInt16BE(kb.length, 0);
        parts.push(kh, kb); enc(val);
      }
      parts.push(Buffer.from([0x00, 0x00, 0x09])); return;
    }
    throw new Error('amf0: unsupported ' + typeof v);
  };
  for (const v of values) enc(v);
  return Buffer.concat(parts);
}

export function amf0DecodeAll(buf) {
  const out = []; let o = 0;
  const str = () => { const l = buf.readUInt16BE(o); o += 2; const s = buf.toString('utf8', o, o + l); o += l; return s; };
  const val = (depth = 0) => {
    if (depth > 8) throw new Error('amf0: nested too deep');
    const t = buf[o++];
    switch (t) {
      case 0x00: { const v = buf.readDoubleBE(o); o += 8; return v; }
      case 0x01: return buf[o++] !== 0;
      case 0x02: return str();
      case 0x03: case 0x08: {
        if (t === 0x08) o += 4;
        const obj = {};
        while (o + 3 <= buf.length) {
          if (buf[o] === 0 && buf[o + 1] === 0 && buf[o + 2] === 9) { o += 3; break; }
          const k = str(); obj[k] = val(depth + 1);
        }
        return obj;
      }
      case 0x05: case 0x06: return null;
      case 0x0a: { const n = buf.readUInt32BE(o); o += 4; const arr = []; for (let i = 0; i < n; i++) arr.push(val(depth + 1)); return arr; }
      case 0x0b: { const v = buf.readDoubleBE(o); o += 10; return v; }
      case 0x0c: { const l = buf.readUInt32BE(o); o += 4; const s = buf.toString('utf8', o, o + l); o += l; return s; }
      default: throw new Error('amf0: type ' + t);
    }
  };
  try { while (o < buf.length) out.push(val()); } catch { /* keep what we decoded */ }
  return out;
}
