import { describe, expect, it } from 'vitest';
import { createLogger, LOG_MAX_CAUSE_DEPTH, LOG_MAX_STACK_CHARS, serializeError } from '#domain/logger.js';

const capture = () => {
  const lines: string[] = [];
  return { lines, sink: (l: string) => lines.push(l), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

describe('the shared JSON-lines logger', () => {
  it('writes one JSON object per line with time, level, event, child fields and context', () => {
    const c = capture();
    let n = 0;
    const log = createLogger('info', c.sink, { context: () => ({ requestId: `r${++n}` }) });
    log.debug('dropped');
    log.child({ conn: 7, remote: '198.51.100.1' }).info('rtmp.connect', { app: 'live' });
    log.error('failed');
    expect(c.lines).toHaveLength(2);
    expect(c.records()[0]).toMatchObject({ level: 'info', event: 'rtmp.connect', requestId: 'r1', conn: 7, remote: '198.51.100.1', app: 'live' });
    expect(typeof c.records()[0]!.time).toBe('string');
    expect(c.records()[1]).toMatchObject({ level: 'error', event: 'failed', requestId: 'r2' });
    expect(c.records()[1]).not.toHaveProperty('conn');
  });

  it('keeps an error’s name, message, code, stack and its cause chain, in any field', () => {
    const c = capture();
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), { code: 'ECONNREFUSED' });
    const mid = new TypeError('fetch failed', { cause: root });
    const top = Object.assign(new Error('functions unreachable', { cause: mid }), { code: 'auth_unreachable' });
    createLogger('info', c.sink).warn('auth', { err: top, other: new RangeError('x') });
    const r = c.records()[0] as { err: Record<string, unknown>; other: Record<string, unknown> };
    expect(r.err).toMatchObject({ name: 'Error', message: 'functions unreachable', code: 'auth_unreachable' });
    expect(r.err.stack).toContain('functions unreachable');
    expect(r.err.cause).toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:3000' },
    });
    expect(r.other).toMatchObject({ name: 'RangeError', message: 'x' });
  });

  it('bounds a cyclic or deep cause chain and a long stack', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    let depth = 0;
    for (let e = serializeError(a) as { cause?: unknown } | string; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause as never) depth++;
    expect(depth).toBe(LOG_MAX_CAUSE_DEPTH);
    const long = new Error('m'.repeat(10_000));
    const s = serializeError(long) as { message: string; stack: string };
    expect(s.message.length).toBe(LOG_MAX_STACK_CHARS);
    expect(s.stack.length).toBeLessThanOrEqual(LOG_MAX_STACK_CHARS);
    expect(serializeError('not an error')).toBe('not an error');
  });

  it('never throws into the caller on a field JSON cannot write: a cycle drops the fields, a big integer is a string', () => {
    const c = capture();
    const log = createLogger('info', c.sink);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => log.warn('rtsp.odd', { detail: cyclic })).not.toThrow();
    log.info('srt.bytes', { total: 2n ** 64n });
    const [dropped, big] = c.records();
    expect(dropped).toMatchObject({ level: 'warn', event: 'rtsp.odd' });
    expect(dropped).not.toHaveProperty('detail');
    expect(typeof dropped!.logFieldsDropped).toBe('string');
    expect(big).toMatchObject({ event: 'srt.bytes', total: '18446744073709551616' });
  });
});
