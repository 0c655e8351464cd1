export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  help?: string;
  type?: string;
  samples: Sample[];
}

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (enough to reject anything a
 * scraper would): HELP/TYPE comments, `name{label="value",…} value`, escapes \\ \" \n.
 */
export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const family = (n: string) => {
    let f = families.get(n);
    if (!f) families.set(n, (f = { samples: [] }));
    return f;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) {
      const f = family(m[1]!);
      if (f.help !== undefined || f.samples.length > 0) throw new Error(`HELP after samples or twice: ${line}`);
      f.help = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      continue;
    }
    if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      const f = family(m[1]!);
      if (f.type !== undefined || f.samples.length > 0) throw new Error(`TYPE after samples or twice: ${line}`);
      f.type = m[2]!;
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment: ${line}`);
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (NaN|[+-]Inf|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const body = m[2].slice(1, -1);
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      let pos = 0;
      while (pos < body.length) {
        re.lastIndex = pos;
        const l = re.exec(body);
        if (!l) throw new Error(`bad labels: ${m[2]}`);
        if (l[1]! in labels) throw new Error(`duplicate label ${l[1]}`);
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        pos = re.lastIndex;
      }
    }
    const raw = m[3]!;
    const value = raw === 'NaN' ? NaN : raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    const name = m[1]!;
    const base = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    const f = families.get(base);
    if (!f || f.type === undefined) throw new Error(`sample ${name} without TYPE`);
    f.samples.push({ name, labels, value });
  }
  return families;
}

