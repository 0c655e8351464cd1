import { CONFIG_VARIABLES, type IngestConfig } from '#ingest/config.js';
import { DataDirInUseError } from '#functions/local/lock-data-dir.js';

/** The settings whose value is `port` (a port can only come from the configuration). */
function settingsFor(port: number, config: IngestConfig): string[] {
  const names = (Object.entries(CONFIG_VARIABLES) as [keyof IngestConfig, { env: string }][])
    .filter(([key, spec]) => spec.env.endsWith('_PORT') && config[key] === port)
    .map(([, spec]) => spec.env);
  if (config.rtspPorts.map(Number).includes(port)) names.push('STREAMGATE_RTSP_PORTS');
  const [from, to] = config.rtpPortRange.split('-').map(Number);
  if (port >= from && port <= to) names.push('STREAMGATE_RTP_PORTS');
  return names;
}

/** What 0 does for a port setting: a TCP listener gets a free port, SRT (UDP) is turned off. */
function zeroMeaning(setting: string | undefined): string {
  if (setting === undefined || setting === 'STREAMGATE_RTP_PORTS') return '';
  if (setting === 'STREAMGATE_SRT_PORT') return ' (0 turns SRT off)';
  return ' (0 picks one)';
}

/**
 * A start-up failure the user can fix, said in one or two lines (which port or data dir, what
 * to do); undefined for anything else (a bug: the caller shows it whole).
 */
export function describeStartupError(err: unknown, config: IngestConfig): string | undefined {
  if (err instanceof DataDirInUseError) {
    return [
      `streamgate: the data dir ${err.dataDir} is in use by another streamgate (pid ${err.pid}).`,
      `  Stop that one first, or give this one its own: STREAMGATE_DATA_DIR=/some/other/dir npm start`,
      `  (if no streamgate is running, delete ${err.lockFile})`,
    ].join('\n');
  }
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.syscall === 'listen' || e?.syscall === 'bind') {
    const where = `${e.address ?? config.host}:${e.port ?? '?'}`;
    const names = e.port === undefined ? [] : settingsFor(e.port, config);
    const setting = names.length ? names.join(' / ') : 'its STREAMGATE_*_PORT setting';
    if (e.code === 'EADDRINUSE') {
      return [
        `streamgate: port ${e.port} (${setting}) is already in use on ${where}: another streamgate or program is listening there.`,
        `  Stop it (see: ss -ltnp 'sport = :${e.port}'), or set ${names[0] ?? 'that setting'} to a free port${zeroMeaning(names[0])}.`,
      ].join('\n');
    }
    if (e.code === 'EACCES') {
      return `streamgate: not allowed to listen on ${where} (${setting}): ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port of 1024 or more.`;
    }
    if (e.code === 'EADDRNOTAVAIL') {
      return `streamgate: cannot listen on ${where} (${setting}): this machine has no such address; check STREAMGATE_HOST / STREAMGATE_ADMIN_HOST.`;
    }
  }
  if (typeof e?.path === 'string' && ['EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOTDIR'].includes(e.code ?? '')) {
    return [
      `streamgate: cannot use the data dir ${config.dataDir}: ${e.code} on ${e.path}.`,
      '  It must be a directory this user can write; fix that, or set STREAMGATE_DATA_DIR to another directory.',
    ].join('\n');
  }
  return undefined;
}
