import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './wait.js';
import { createConnection } from 'node:net';

/** Where Debian's libnginx-mod-rtmp puts the module. */
export const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

/** Why nginx-rtmp tests cannot run here, or undefined when they can. */
export function nginxRtmpMissing(): string | undefined {
  if (NGINX === undefined) return 'nginx is not installed (apt-get install nginx libnginx-mod-rtmp)';
  if (!existsSync(NGINX_RTMP_MODULE)) return `${NGINX_RTMP_MODULE} is missing (apt-get install libnginx-mod-rtmp)`;
  return undefined;
}

/** A running nginx with one RTMP server on a free loopback port and an application `live`. */
export interface NginxRtmp {
  readonly port: number;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Starts nginx in the foreground with a temporary config (no root needed). */
export async function startNginxRtmp(port?: number): Promise<NginxRtmp> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-nginx-'));
  const listen = port ?? (await freePort());
  const conf = `load_module ${NGINX_RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:${listen}; chunk_size 4096; application live { live on; } } }
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(NGINX!, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  await waitFor(() => portOpen(listen), 5000, 'nginx-rtmp listening');
  return {
    port: listen,
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
