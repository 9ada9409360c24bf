// Hardening, Kubernetes API faults seen through the real CLI (`snatscope watch`): 401 (expired token: say so and how
// to refresh), 403 (name the verb and resource), 429 with Retry-After (the retry waits at least that long, measured
// on the emulator's request log), a server that accepts and never answers (a clear timeout), TLS errors (self-signed,
// wrong CA: say which), DNS failure (.invalid never resolves). In every case no bearer token, password or client key
// appears in stdout or stderr, with DEBUG=* set. Only loopback servers; the cases run concurrently (mostly waiting).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { startCli, until } from './helpers/hostile.js';
import { accessLine, addWebPod } from './helpers/kube.js';
import { requirePrereq } from './helpers/prereq.js';
import { Emulator } from '../src/emulator/index.js';

const TOKEN = 'expired-token-7f3a9c1e5b';
const GOOD_TOKEN = 'good-token-0d4e8b2a6c';
const PASSWORD = 'hunter2-pw-5e1c7a';

let tmp: ReturnType<typeof tempDir>;
let haveOpenssl = false;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
  haveOpenssl = true;
} catch {
  haveOpenssl = false;
}
const tls = requirePrereq('openssl', haveOpenssl, 'generates the self-signed certificates of the TLS cases');
let certPem = '';
let keyPem = '';
const closers: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  tmp = tempDir('snatscope-hard-kube-');
  if (!tls) return;
  const gen = (name: string, cn: string, san: string) =>
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tmp.dir, `${name}.key`), '-out', join(tmp.dir, `${name}.crt`),
      '-days', '2', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  gen('server', '127.0.0.1', 'IP:127.0.0.1');
  gen('other-ca', 'other-ca', 'DNS:other-ca');
  certPem = readFileSync(join(tmp.dir, 'server.crt'), 'utf8');
  keyPem = readFileSync(join(tmp.dir, 'server.key'), 'utf8');
});
afterAll(async () => {
  for (const close of closers) await close();
  tmp.cleanup();
});

/** A kubeconfig for `server` with a token and basic-auth password (and a client key when given). */
function kubeconfig(name: string, server: string, cluster: string[] = ['    insecure-skip-tls-verify: true'], clientKey = false): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const user = [`    token: ${TOKEN}`, '    username: admin', `    password: ${PASSWORD}`];
  if (clientKey) user.push(`    client-certificate-data: ${b64(certPem)}`, `    client-key-data: ${b64(keyPem)}`);
  const path = join(tmp.dir, `${name}.kubeconfig`);
  writeFileSync(path, ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', `    server: ${server}`, ...cluster,
    'users:', '- name: u', '  user:', ...user, 'contexts:', '- name: x', '  context:', '    cluster: c', '    user: u', '    namespace: default',
    'current-context: x', ''].join('\n'), { mode: 0o600 });
  return path;
}

/** Secrets that must never be printed. */
function expectNoSecrets(text: string): void {
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(GOOD_TOKEN);
  expect(text).not.toContain(PASSWORD);
  if (keyPem) {
    const body = keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of body.slice(0, 3)) expect(text).not.toContain(line);
    expect(text).not.toContain(Buffer.from(keyPem).toString('base64').slice(0, 40));
  }
}

async function emulator(): Promise<Emulator> {
  const emu = new Emulator();
  await emu.start();
  emu.bookmarkIntervalMs = 500;
  emu.model.addNode({ name: 'node-a', internalIP: '10.0.0.11', podCIDRs: ['10.244.1.0/24'] });
  addWebPod(emu.model, 0);
  closers.push(() => emu.close());
  return emu;
}

/** `snatscope watch web-0 --no-follow` (a target that is looked up at start) with DEBUG=*; ends by itself. */
async function watchOnce(kc: string, name: string, target: string[] = ['web-0']) {
  const run = startCli(['watch', ...target, '--no-follow', '--kubeconfig', kc, '--db', join(tmp.dir, `${name}.db`), '--output', 'lines'],
    { env: { HOME: tmp.dir, DEBUG: '*' } });
  const code = await run.exited;
  const all = run.out.stdout + run.out.stderr;
  expectNoSecrets(all);
  return { code, stderr: run.out.stderr, all };
}

describe.concurrent('Kubernetes API faults', () => {
  it('401: says the token expired and how to refresh it, exit 2', async () => {
    const emu = await emulator();
    emu.requireToken(GOOD_TOKEN);
    const r = await watchOnce(kubeconfig('401', emu.url), '401');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^snatscope: token expired or invalid \(try refreshing the credentials, e\.g\. re-run your cloud's get-credentials\)$/m);
  }, 60_000);

  it('401 with a label selector: ends with the same advice instead of retrying forever', async () => {
    const emu = await emulator();
    emu.requireToken(GOOD_TOKEN);
    const r = await watchOnce(kubeconfig('401l', emu.url), '401l', ['-l', 'app=web']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^snatscope: (cannot list the target pods: )?token expired or invalid \(try refreshing the credentials[^(]*\)$/m);
  }, 60_000);

  it('403: names the missing verb and resource, exit 2', async () => {
    const emu = await emulator();
    emu.failNext(1000, 403, {
      path: /pods/,
      message: 'pods "web-0" is forbidden: User "system:serviceaccount:default:snatscope" cannot get resource "pods" in API group "" in the namespace "default"',
    });
    const r = await watchOnce(kubeconfig('403', emu.url), '403');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^snatscope: forbidden: cannot get pods in namespace default \(try granting it, see deploy\/rbac\.yaml\)$/m);
  }, 60_000);

  it('429 with Retry-After: the retry of the log stream waits at least that long (emulator request log)', async () => {
    const emu = await emulator();
    emu.model.appendLog('default', 'web-0', 'nginx', accessLine('after-429'));
    emu.failNext(1, 429, { path: /\/pods\/web-0\/log/, retryAfter: 2 });
    const kc = kubeconfig('429', emu.url);
    const run = startCli(['watch', 'web-0', '--kubeconfig', kc, '--db', join(tmp.dir, '429.db'), '--output', 'json'], { env: { HOME: tmp.dir, DEBUG: '*' } });
    await until(() => run.out.stdout.includes('/r/after-429'), 30_000, 'the line after the 429');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expectNoSecrets(run.out.stdout + run.out.stderr);
    expect(run.out.stderr).toMatch(/rate limiting \(retry after 2s\)/);
    const logs = emu.requestLog.filter((r) => r.url.includes('/pods/web-0/log'));
    expect(logs.length).toBeGreaterThanOrEqual(2);
    expect(logs[1].time - logs[0].time).toBeGreaterThanOrEqual(2000);
  }, 60_000);

  it('a server that accepts the connection and never answers: a clear timeout, exit 2', async () => {
    const server = net.createServer(() => {
      /* never writes */
    });
    const sockets = new Set<net.Socket>();
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await watchOnce(kubeconfig('hang', url), 'hang');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^snatscope: cannot reach the Kubernetes API at ${url}: no response within \\d+s`, 'm'));
  }, 90_000);

  it.runIf(tls)('TLS: a self-signed server certificate without a CA in the kubeconfig is named as such', async () => {
    const url = await httpsServer();
    const r = await watchOnce(kubeconfig('tls', url, [], true), 'tls');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: TLS problem talking to .*: self[- ]signed certificate/);
  }, 60_000);

  it.runIf(tls)('TLS: a kubeconfig with the wrong CA says the certificate cannot be verified', async () => {
    const url = await httpsServer();
    const r = await watchOnce(kubeconfig('ca', url, [`    certificate-authority: ${join(tmp.dir, 'other-ca.crt')}`], true), 'ca');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/TLS problem talking to https:\/\/127\.0\.0\.1:\d+: (self[- ]signed certificate|unable to verify|unable to get)/);
  }, 60_000);

  it('DNS failure (.invalid): says the host cannot be resolved, exit 2', async () => {
    const r = await watchOnce(kubeconfig('dns', 'https://no-such-host.invalid:6443', []), 'dns');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^snatscope: cannot reach the Kubernetes API at https:\/\/no-such-host\.invalid:6443: cannot resolve the API server host/m);
  }, 60_000);

  it('DNS failure with a label selector (nothing looked up by name): the same message instead of retrying forever', async () => {
    const r = await watchOnce(kubeconfig('dnsl', 'https://no-such-host.invalid:6443', []), 'dnsl', ['-l', 'app=web']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^snatscope: cannot reach the Kubernetes API at https:\/\/no-such-host\.invalid:6443: cannot resolve the API server host/m);
  }, 60_000);
});

/** An https server on loopback with the self-signed certificate; never answers usefully. */
async function httpsServer(): Promise<string> {
  const server = https.createServer({ cert: certPem, key: keyPem }, (_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
