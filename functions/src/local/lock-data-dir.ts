import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamgateError } from '#domain/errors.js';

/** Name of the lock file a running local stack keeps in its data dir (holds its pid). */
export const DATA_DIR_LOCK_FILE = 'streamgate.pid';

/** Another live process holds the data dir (its embedded store cannot be opened twice). */
export class DataDirInUseError extends StreamgateError {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super('data_dir_in_use', `data dir ${dataDir} is in use by another streamgate (pid ${pid})`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data dir for this process: writes `streamgate.pid` exclusively, or takes over a
 * file left by a process that is gone. Throws DataDirInUseError when a live process holds it
 * (LevelDB would otherwise fail later, asynchronously, with "Database is closed").
 * Returns the release function (removes the file if it is still ours).
 */
export function lockDataDir(dataDir: string, pid: number = process.pid): () => void {
  const file = join(dataDir, DATA_DIR_LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${pid}\n`, { mode: 0o600, flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw err;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(file, 'utf8').trim());
    } catch {
      // Removed in between: try again.
    }
    if (Number.isInteger(holder) && holder > 0 && holder !== pid && alive(holder)) throw new DataDirInUseError(dataDir, holder, file);
    rmSync(file, { force: true });
  }
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8').trim()) === pid) rmSync(file, { force: true });
    } catch {
      // Already gone.
    }
  };
}
