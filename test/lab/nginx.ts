// One real nginx per lab pod: a generated config (the official image's `main` format, optionally a second
// `escape=json` log), started in the pod's namespace in the foreground with its own prefix dir, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHILD_ENV, which } from './exec.js';

/** The official nginx image's log format (combined + "$http_x_forwarded_for"). */
export const MAIN_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"';
/** The JSON access log one pod writes in addition (escape=json). */
export const JSON_FORMAT =
  '{"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request","status":$status,' +
  '"body_bytes_sent":$body_bytes_sent,"http_referer":"$http_referer","http_user_agent":"$http_user_agent",' +
  '"http_x_forwarded_for":"$http_x_forwarded_for","request_time":$request_time}';

export interface NginxFiles {
  dir: string;
  conf: string;
  pid: string;
  errorLog: string;
  accessLog: string;
  jsonLog: string | null;
}

export function nginxFiles(dir: string, logDir: string, pod: string, json: boolean): NginxFiles {
  return {
    dir,
    conf: join(dir, 'nginx.conf'),
    pid: join(dir, 'nginx.pid'),
    errorLog: join(dir, 'error.log'),
    accessLog: join(logDir, `${pod}.access.log`),
    jsonLog: json ? join(logDir, `${pod}.access.json.log`) : null,
  };
}

function nginxConf(f: NginxFiles, pod: string): string {
  const q = (s: string): string => `'${s}'`;
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(f.dir, `${t}_temp`)};`);
  return [
    'worker_processes 1;',
    `pid ${f.pid};`,
    `error_log ${f.errorLog} warn;`,
    'events { worker_connections 128; }',
    'http {',
    `  log_format main ${q(MAIN_FORMAT)};`,
    `  log_format labjson escape=json ${q(JSON_FORMAT)};`,
    `  access_log ${f.accessLog} main;`,
    f.jsonLog ? `  access_log ${f.jsonLog} labjson;` : '',
    ...temp,
    '  server {',
    '    listen 80;',
    '    listen [::]:80 ipv6only=on;',
    `    location / { default_type text/plain; return 200 "${pod}\\n"; }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Starts nginx in `ns` and resolves once it listens (its pid file exists); rejects with its error log. */
export async function startNginx(ns: string, f: NginxFiles, pod: string): Promise<ChildProcess> {
  mkdirSync(f.dir, { recursive: true });
  writeFileSync(f.conf, nginxConf(f, pod));
  const child = spawn('ip', ['netns', 'exec', ns, which('nginx') ?? 'nginx', '-p', f.dir, '-e', f.errorLog, '-c', f.conf, '-g', 'daemon off;'], {
    env: CHILD_ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 5000;
  while (!existsSync(f.pid)) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`lab: nginx for ${pod} did not start: ${stderr.trim() || '(no output)'} (see ${f.errorLog})`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

/** Stops an nginx master (and so its worker) by its pid: TERM, then KILL after 2 s. */
export async function stopNginx(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await done;
  clearTimeout(timer);
}
