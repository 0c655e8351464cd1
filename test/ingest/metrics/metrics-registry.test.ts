import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '#ingest/metrics/metrics-registry.js';
import { PROMETHEUS_CONTENT_TYPE } from '#ingest/metrics/prometheus-text.js';
import { parsePrometheus } from './parse-prometheus.js';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms as parseable Prometheus text', () => {
    const reg = new MetricsRegistry();
    const conns = reg.counter({ name: 'streamgate_connections_total', help: 'Connections accepted', labelNames: ['protocol'] });
    const live = reg.gauge({ name: 'streamgate_live_streams', help: 'Streams with a publisher' });
    const auth = reg.histogram({
      name: 'streamgate_auth_seconds',
      help: 'Auth round trip',
      labelNames: ['result'],
      buckets: [0.01, 0.1, 1],
    });
    conns.inc({ protocol: 'rtmp' });
    conns.inc({ protocol: 'rtmp' }, 2);
    conns.inc({ protocol: 'http-flv' });
    live.set(undefined, 4);
    live.dec();
    for (const v of [0.005, 0.01, 0.05, 0.5, 3]) auth.observe({ result: 'allowed' }, v);
    auth.observe({ result: 'denied' }, 0.2);

    const text = reg.render();
    const families = parsePrometheus(text);
    expect([...families.keys()]).toEqual(['streamgate_connections_total', 'streamgate_live_streams', 'streamgate_auth_seconds']);
    expect(families.get('streamgate_connections_total')).toEqual({
      help: 'Connections accepted',
      type: 'counter',
      samples: [
        { name: 'streamgate_connections_total', labels: { protocol: 'rtmp' }, value: 3 },
        { name: 'streamgate_connections_total', labels: { protocol: 'http-flv' }, value: 1 },
      ],
    });
    expect(families.get('streamgate_live_streams')!.samples).toEqual([{ name: 'streamgate_live_streams', labels: {}, value: 3 }]);

    const allowed = families.get('streamgate_auth_seconds')!.samples.filter((s) => s.labels.result === 'allowed');
    expect(allowed.map((s) => [s.name, s.labels.le, s.value])).toEqual([
      ['streamgate_auth_seconds_bucket', '0.01', 2],
      ['streamgate_auth_seconds_bucket', '0.1', 3],
      ['streamgate_auth_seconds_bucket', '1', 4],
      ['streamgate_auth_seconds_bucket', '+Inf', 5],
      ['streamgate_auth_seconds_sum', undefined, 0.005 + 0.01 + 0.05 + 0.5 + 3],
      ['streamgate_auth_seconds_count', undefined, 5],
    ]);
    expect(PROMETHEUS_CONTENT_TYPE).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('keeps histogram buckets cumulative and ending in +Inf equal to _count for any observations', () => {
    const reg = new MetricsRegistry();
    const h = reg.histogram({ name: 'h_seconds', help: 'h', buckets: [1, 2, 5] });
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      h.observe(undefined, (seed % 800) / 100);
    }
    const samples = parsePrometheus(reg.render()).get('h_seconds')!.samples;
    const buckets = samples.filter((s) => s.name === 'h_seconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual(['1', '2', '5', '+Inf']);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.value).toBe(500);
    expect(samples.find((s) => s.name === 'h_seconds_count')!.value).toBe(500);
  });

  it('escapes label values and help text so they round-trip through a parser', () => {
    const reg = new MetricsRegistry();
    const c = reg.counter({ name: 'streams_total', help: 'Per stream\nwith a back\\slash', labelNames: ['stream'] });
    const nasty = 'live/a"b\\c\nd} x="y"';
    c.inc({ stream: nasty });
    const text = reg.render();
    expect(text).toContain('# HELP streams_total Per stream\\nwith a back\\\\slash\n');
    const f = parsePrometheus(text).get('streams_total')!;
    expect(f.help).toBe('Per stream\nwith a back\\slash');
    expect(f.samples[0]!.labels.stream).toBe(nasty);
  });

  it('writes +Inf, -Inf and NaN gauge values in Prometheus spelling', () => {
    const reg = new MetricsRegistry();
    const g = reg.gauge({ name: 'g', help: 'g', labelNames: ['k'] });
    g.set({ k: 'a' }, Infinity);
    g.set({ k: 'b' }, -Infinity);
    g.set({ k: 'c' }, NaN);
    const text = reg.render();
    expect(text).toContain('g{k="a"} +Inf\n');
    expect(text).toContain('g{k="b"} -Inf\n');
    expect(text).toContain('g{k="c"} NaN\n');
    expect(parsePrometheus(text).get('g')!.samples).toHaveLength(3);
  });

  it('refreshes gauges from collectors at each render', () => {
    const reg = new MetricsRegistry();
    const players = reg.gauge({ name: 'players', help: 'p' });
    let n = 1;
    reg.onCollect(() => players.set(undefined, n));
    expect(reg.render()).toContain('players 1\n');
    n = 5;
    expect(reg.render()).toContain('players 5\n');
  });

  it('refuses bad names, reserved labels, wrong labels, decreasing counters and duplicates', () => {
    const reg = new MetricsRegistry();
    expect(() => reg.counter({ name: '1bad', help: '' })).toThrow(TypeError);
    expect(() => reg.counter({ name: 'ok_total', help: '', labelNames: ['__x'] })).toThrow(TypeError);
    expect(() => reg.histogram({ name: 'h', help: '', labelNames: ['le'] })).toThrow(TypeError);
    expect(() => reg.histogram({ name: 'h2', help: '', buckets: [1, 1] })).toThrow(TypeError);
    const c = reg.counter({ name: 'c_total', help: '', labelNames: ['a'] });
    expect(() => c.inc({ a: 'x' }, -1)).toThrow(TypeError);
    expect(() => c.inc({ b: 'x' } as never)).toThrow(TypeError);
    expect(() => reg.gauge({ name: 'c_total', help: '' })).toThrow(/twice/);
    reg.histogram({ name: 'lat', help: '' });
    expect(() => reg.counter({ name: 'lat_count', help: '' })).toThrow(/clashes/);
  });

  it('bounds the series of a family and counts the label combinations it refused', () => {
    const reg = new MetricsRegistry();
    const c = reg.counter({ name: 'per_stream_total', help: '', labelNames: ['stream'], maxSeries: 2 });
    for (const s of ['a', 'b', 'c', 'd']) c.inc({ stream: s });
    c.inc({ stream: 'a' });
    expect(parsePrometheus(reg.render()).get('per_stream_total')!.samples.map((s) => [s.labels.stream, s.value])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(c.droppedSeries).toBe(2);
    c.remove({ stream: 'a' });
    c.inc({ stream: 'c' });
    expect(c.get({ stream: 'c' })).toBe(1);
  });

  it('renders a label-less family as zero before the first observation and a labelled one as header only', () => {
    const reg = new MetricsRegistry();
    reg.counter({ name: 'dropped_frames_total', help: 'Frames dropped for slow readers' });
    reg.histogram({ name: 'auth_seconds', help: 'a', buckets: [1] });
    reg.gauge({ name: 'players', help: 'p', labelNames: ['protocol'] });
    expect(reg.render()).toBe(
      '# HELP dropped_frames_total Frames dropped for slow readers\n# TYPE dropped_frames_total counter\ndropped_frames_total 0\n' +
        '# HELP auth_seconds a\n# TYPE auth_seconds histogram\n' +
        'auth_seconds_bucket{le="1"} 0\nauth_seconds_bucket{le="+Inf"} 0\nauth_seconds_sum 0\nauth_seconds_count 0\n' +
        '# HELP players p\n# TYPE players gauge\n',
    );
  });
});
