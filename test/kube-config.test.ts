// Kubeconfig loading like kubectl (KUBECONFIG merged with the first file winning, --context, the namespace chain,
// in-cluster) and the API client's error messages (401, 403 naming verb and resource, 429 Retry-After).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { loadKube } from '../src/kube/config.js';
import { KubeClient, KubeError, errorFromResponse, parseRetryAfter } from '../src/kube/http.js';
import { labelSelectorText, parseTarget } from '../src/kube/targets.js';
import { Emulator } from '../src/emulator/index.js';

const dir = mkdtempSync(join(tmpdir(), 'snatscope-kcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, body: { clusters: [string, string][]; users: [string, string][]; contexts: [string, string, string, string?][]; current?: string }): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const [n, server] of body.clusters) lines.push(`- name: ${n}`, '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true');
  lines.push('users:');
  for (const [n, token] of body.users) lines.push(`- name: ${n}`, '  user:', `    token: ${token}`);
  lines.push('contexts:');
  for (const [n, cl, u, ns] of body.contexts) lines.push(`- name: ${n}`, '  context:', `    cluster: ${cl}`, `    user: ${u}`, ...(ns ? [`    namespace: ${ns}`] : []));
  if (body.current) lines.push(`current-context: ${body.current}`);
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const first = kubeconfig('first', {
  clusters: [['prod', 'http://127.0.0.1:1111']],
  users: [['admin', 'first-token']],
  contexts: [['prod', 'prod', 'admin', 'web']],
  current: 'prod',
});
const second = kubeconfig('second', {
  clusters: [['prod', 'http://127.0.0.1:2222'], ['dev', 'http://127.0.0.1:3333']],
  users: [['admin', 'second-token'], ['dev', 'dev-token']],
  contexts: [['prod', 'prod', 'admin', 'other'], ['dev', 'dev', 'dev']],
  current: 'dev',
});

describe('kubeconfig loading', () => {
  it('merges KUBECONFIG files with the first file winning for duplicate names and current-context', () => {
    const k = loadKube({}, { env: { KUBECONFIG: `${first}:${second}` }, home: dir });
    expect(k.context).toBe('prod');
    expect(k.server).toBe('http://127.0.0.1:1111');
    expect(k.namespace).toBe('web');
    expect(k.kc.getUser('admin')?.token).toBe('first-token');
    expect(k.kc.contexts.map((c) => c.name).sort()).toEqual(['dev', 'prod']);
  });

  it('switches to --context from a later file; the namespace falls back to default', () => {
    const k = loadKube({ context: 'dev' }, { env: { KUBECONFIG: `${first}:${second}` }, home: dir });
    expect(k.server).toBe('http://127.0.0.1:3333');
    expect(k.namespace).toBe('default');
    expect(loadKube({ context: 'dev', namespace: 'ns1' }, { env: { KUBECONFIG: `${first}:${second}` } }).namespace).toBe('ns1');
  });

  it('skips KUBECONFIG entries that do not exist', () => {
    const k = loadKube({}, { env: { KUBECONFIG: `${join(dir, 'missing')}:${second}` } });
    expect(k.context).toBe('dev');
  });

  it('prefers --kubeconfig over KUBECONFIG, and KUBECONFIG over ~/.kube/config', () => {
    expect(loadKube({ kubeconfig: second }, { env: { KUBECONFIG: first } }).context).toBe('dev');
    mkdirSync(join(dir, 'home', '.kube'), { recursive: true });
    writeFileSync(join(dir, 'home', '.kube', 'config'), '');
    kubeconfig('home/.kube/config', { clusters: [['h', 'http://127.0.0.1:4444']], users: [['h', 't']], contexts: [['h', 'h', 'h']], current: 'h' });
    expect(loadKube({}, { env: {}, home: join(dir, 'home') }).context).toBe('h');
  });

  it('reads the in-cluster service account when there is no kubeconfig', () => {
    const sa = join(dir, 'sa');
    mkdirSync(join(sa, 'var/run/secrets/kubernetes.io/serviceaccount'), { recursive: true });
    for (const [f, v] of [['token', 'sa-token'], ['ca.crt', 'x'], ['namespace', 'ingress-nginx']]) {
      writeFileSync(join(sa, 'var/run/secrets/kubernetes.io/serviceaccount', f), v);
    }
    const k = loadKube({}, {
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      home: join(dir, 'nohome'),
      serviceAccountPrefix: sa,
    });
    expect(k.origin).toBe('in-cluster');
    expect(k.server).toBe('https://10.96.0.1:443');
    expect(k.namespace).toBe('ingress-nginx');
  });

  it.each([
    ['no kubeconfig at all', {}, { env: {}, home: join(dir, 'nohome') }, /no kubeconfig found/],
    ['a --kubeconfig that does not exist', { kubeconfig: join(dir, 'nope') }, { env: {} }, /does not exist/],
    ['an unknown --context', { context: 'staging' }, { env: { KUBECONFIG: first } }, /context "staging" is not in the kubeconfig/],
  ])('says what is wrong for %s', (_what, flags, env, message) => {
    let err: unknown;
    try {
      loadKube(flags, env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(message);
    expect((err as UserError).hint).toBeTruthy();
  });

  it('never quotes the file when it is not valid YAML (it may hold a token)', () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'users:\n- name: x\n  user:\n    token: "s3cret\n  : [');
    let err: UserError | undefined;
    try {
      loadKube({ kubeconfig: bad }, { env: {} });
    } catch (e) {
      err = e as UserError;
    }
    expect(err?.message).toMatch(/cannot be read/);
    expect(err?.message).not.toContain('s3cret');
  });
});

describe('API errors', () => {
  it('names the verb and the resource of a 403', () => {
    const body = JSON.stringify({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message: 'pods "web-1" is forbidden: User "system:serviceaccount:default:snatscope" cannot get resource "pods/log" in API group "" in the namespace "default"',
    });
    const e = errorFromResponse(403, undefined, body, '/api/v1/namespaces/default/pods/web-1/log');
    expect(e.message).toBe('forbidden: cannot get pods/log in namespace default');
    expect(e.text).toBe('forbidden: cannot get pods/log in namespace default (try granting it, see deploy/rbac.yaml)');
    expect(e.retryable).toBe(false);
  });

  it('explains a 401 and takes Retry-After from a 429', () => {
    expect(errorFromResponse(401, undefined, '{"kind":"Status","code":401}', '/api').message).toContain('token expired or invalid');
    const e = errorFromResponse(429, '3', '{}', '/api');
    expect(e.retryAfterMs).toBe(3000);
    expect(e.retryable).toBe(true);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(10_000);
  });

  it('sends the kubeconfig token and reports a 401 from the server as a KubeError', async () => {
    const emu = new Emulator();
    await emu.start();
    try {
      emu.requireToken('good');
      const path = join(dir, 'emu');
      emu.writeKubeconfig(path, { token: 'good' });
      const ok = new KubeClient(loadKube({ kubeconfig: path }).kc);
      await expect(ok.getJson('/api/v1/namespaces/default/pods')).resolves.toMatchObject({ kind: 'PodList' });
      ok.close();
      emu.writeKubeconfig(path, { token: 'stale' });
      const bad = new KubeClient(loadKube({ kubeconfig: path }).kc);
      const err = await bad.getJson('/api/v1/pods').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeError);
      expect((err as KubeError).status).toBe(401);
      bad.close();
    } finally {
      await emu.close();
    }
  });

  it('reports a refused connection as a network error', async () => {
    const path = kubeconfig('dead', { clusters: [['d', 'http://127.0.0.1:1']], users: [['d', 't']], contexts: [['d', 'd', 'd']], current: 'd' });
    const client = new KubeClient(loadKube({ kubeconfig: path }).kc);
    const err = (await client.getJson('/api').catch((e: unknown) => e)) as KubeError;
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/connection refused/);
    client.close();
  });
});

describe('deploy/rbac.yaml', () => {
  it('grants exactly get/list/watch on pods, pods/log, nodes, services and get on workloads', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../deploy/rbac.yaml', import.meta.url), 'utf8');
    const verbs = [...text.matchAll(/verbs: \[(.*)\]/g)].map((m) => m[1]);
    expect(verbs).toEqual(['"get", "list", "watch"', '"get"', '"get"']);
    expect(text).toContain('resources: ["pods", "pods/log", "nodes", "services"]');
    expect(text).toContain('resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]');
    expect(text).toContain('resources: ["jobs"]');
    expect(text).toMatch(/kind: ServiceAccount\nmetadata:\n  name: snatscope/);
  });
});

describe('TARGET parsing', () => {
  it.each([
    ['web-0', 'pod', 'web-0'],
    ['pod/web-0', 'pod', 'web-0'],
    ['deploy/web', 'deployment', 'web'],
    ['deployment/web', 'deployment', 'web'],
    ['sts/db', 'statefulset', 'db'],
    ['ds/ingress', 'daemonset', 'ingress'],
    ['rs/web-5d8f', 'replicaset', 'web-5d8f'],
    ['job/backfill', 'job', 'backfill'],
    ['svc/web', 'service', 'web'],
    ['^web-[0-9]+$', 'regex', '^web-[0-9]+$'],
  ])('%s is a %s', (text, kind, name) => {
    expect(parseTarget(text)).toMatchObject({ kind, name });
  });

  it('rejects an unknown kind and a broken regex with a hint', () => {
    expect(() => parseTarget('cronjob/x')).toThrow(/unknown resource type "cronjob"/);
    expect(() => parseTarget('web-(')).toThrow(UserError);
  });

  it('turns a LabelSelector into query syntax', () => {
    expect(labelSelectorText({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'track', operator: 'NotIn', values: ['x'] },
        { key: 'zone', operator: 'Exists' },
      ],
    })).toBe('app=web,tier in (a,b),!canary,track notin (x),zone');
  });
});
