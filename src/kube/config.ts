// Kubeconfig loading the way kubectl does it: --kubeconfig PATH, else $KUBECONFIG (a colon-separated list merged with
// the FIRST file winning for a duplicate cluster/user/context name and for current-context; client-node would throw
// "Duplicate cluster" instead, so the files are merged here), else ~/.kube/config, else in-cluster (service-account
// token and CA, from KUBERNETES_SERVICE_HOST). Then --context, and the namespace: flag, else the context's, else
// `default`. Problems a user can fix are UserErrors; no token, key or file content is ever put in a message.
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { UserError } from '../errors.js';
import { safeText } from '../text.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface KubeTarget {
  kc: KubeConfig;
  /** Name of the context in use. */
  context: string;
  /** Namespace from the flag, the context, or `default`. */
  namespace: string;
  /** API server URL (no credentials in it). */
  server: string;
  /** Where the configuration came from: file paths, or `in-cluster`. */
  origin: string;
}

export interface LoadEnv {
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Directory of the service-account files (tests). */
  serviceAccountPrefix?: string;
}

/** Loads and checks the configuration for one run. */
export function loadKube(flags: KubeFlags, opts: LoadEnv = {}): KubeTarget {
  const env = opts.env ?? process.env;
  let kc: KubeConfig;
  let origin: string;
  if (flags.kubeconfig) {
    if (!isFile(flags.kubeconfig)) {
      throw new UserError(`kubeconfig ${flags.kubeconfig} does not exist`, '--kubeconfig PATH of an existing file');
    }
    kc = mergeKubeconfigFiles([flags.kubeconfig]);
    origin = flags.kubeconfig;
  } else if (env.KUBECONFIG) {
    const paths = env.KUBECONFIG.split(delimiter).filter((p) => p !== '');
    const present = paths.filter(isFile);
    if (present.length === 0) {
      throw new UserError(`none of the files in KUBECONFIG exist (${paths.join(delimiter)})`, '--kubeconfig PATH, or fix KUBECONFIG');
    }
    kc = mergeKubeconfigFiles(present);
    origin = present.join(delimiter);
  } else {
    const home = opts.home ?? homedir();
    const file = join(home, '.kube', 'config');
    if (isFile(file)) {
      kc = mergeKubeconfigFiles([file]);
      origin = file;
    } else if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
      kc = inCluster(env.KUBERNETES_SERVICE_HOST, env.KUBERNETES_SERVICE_PORT, opts.serviceAccountPrefix ?? '');
      origin = 'in-cluster';
    } else {
      throw new UserError(
        `no kubeconfig found (no --kubeconfig, KUBECONFIG unset, no ${file}, not running in a cluster)`,
        '--kubeconfig PATH, or set KUBECONFIG',
      );
    }
  }

  const names = kc.contexts.map((c) => c.name);
  const list = names.length ? `one of: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}` : 'add a context to the kubeconfig';
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      throw new UserError(`context "${flags.context}" is not in the kubeconfig (${origin})`, `--context NAME, ${list}`);
    }
    kc.setCurrentContext(flags.context);
  } else if (!kc.currentContext || !kc.getContextObject(kc.currentContext)) {
    const what = kc.currentContext ? `its current context "${kc.currentContext}" is not defined` : 'it has no current context';
    throw new UserError(`kubeconfig ${origin}: ${what}`, `--context NAME (${list}), or kubectl config use-context NAME`);
  }
  const ctx = kc.getContextObject(kc.currentContext) as Context;
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) {
    throw new UserError(`context "${ctx.name}" names cluster "${ctx.cluster}", which is not in the kubeconfig`, 'fix the kubeconfig, or --context NAME');
  }
  if (ctx.user && !kc.getUser(ctx.user)) {
    throw new UserError(`context "${ctx.name}" names user "${ctx.user}", which is not in the kubeconfig`, 'fix the kubeconfig, or --context NAME');
  }
  const namespace = flags.namespace || ctx.namespace?.trim() || 'default';
  return { kc, context: ctx.name, namespace, server: cluster.server, origin };
}

/**
 * Merges kubeconfig files like kubectl: the first file that names a cluster, user or context wins, and the first
 * file that sets current-context wins. Relative certificate paths resolve against each file's own directory.
 */
export function mergeKubeconfigFiles(paths: string[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current = '';
  for (const path of paths) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(path);
    } catch (err) {
      throw new UserError(`kubeconfig ${path} cannot be read: ${describeLoadError(err)}`, 'fix the file, or --kubeconfig PATH of another one');
    }
    for (const c of one.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!current && one.currentContext) current = one.currentContext;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext: current });
  return kc;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** What client-node's loadFromCluster builds, from the given environment (it reads process.env itself). */
function inCluster(host: string, port: string, prefix: string): KubeConfig {
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const server = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(`${prefix}${SA_DIR}/namespace`, 'utf8').trim() || undefined;
  } catch {
    namespace = undefined;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'inCluster', server, caFile: `${prefix}${SA_DIR}/ca.crt`, skipTLSVerify: false }],
    users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${prefix}${SA_DIR}/token` } } }],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', namespace }],
    currentContext: 'inClusterContext',
  });
  return kc;
}

/** A load error in words that never quote the file (a YAML error would show the line, which may hold a token). */
function describeLoadError(err: unknown): string {
  const e = err as { name?: string; mark?: { line?: number }; code?: string; message?: string };
  if (e?.name === 'YAMLException') return `not valid YAML${e.mark?.line != null ? ` (line ${e.mark.line + 1})` : ''}`;
  if (e?.code === 'EACCES') return 'permission denied';
  if (e?.code === 'EISDIR') return 'it is a directory';
  const msg = String(e?.message ?? err);
  // Messages of client-node's own checks, e.g. "clusters[0].cluster.server is missing", quote no values.
  if (/^(clusters|users|contexts)\[\d+\]\.[\w.]+ is missing$/.test(msg)) return msg;
  return 'not a kubeconfig';
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

/** What went wrong while getting credentials, in words that never quote a plugin's output (it may be a token). */
export interface CredentialProblem {
  message: string;
  hint: string;
}

const execStatus = new WeakMap<KubeConfig, { code: number | null; signal: string | null }>();

/**
 * Makes the exec credential plugin's exit status known to credentialProblem() (client-node keeps only its stderr,
 * which is not shown either). Call once per KubeConfig before the first request.
 */
export function trackExecPlugin(kc: KubeConfig): void {
  const auths = (kc as unknown as { authenticators?: unknown[] }).authenticators ?? [];
  for (const a of auths) {
    const ex = a as { execFn?: (...args: unknown[]) => { on(ev: string, f: (...a: unknown[]) => void): void } };
    // client-node's ExecAuth (not exported): the authenticator that spawns the plugin through its execFn.
    if (typeof ex.execFn !== 'function' || !('tokenCache' in (a as object))) continue;
    const spawn = ex.execFn;
    ex.execFn = (...args: unknown[]) => {
      const child = spawn(...args);
      child.on('close', (code, signal) => execStatus.set(kc, { code: code as number | null, signal: (signal as string | null) ?? null }));
      return child;
    };
  }
}

/** Why applying the kubeconfig's credentials to a request failed: the exec plugin (by name) or plain HTTP. */
export function credentialProblem(kc: KubeConfig, err: unknown): CredentialProblem {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const msg = String((err as Error)?.message ?? err);
  if (cluster?.server.startsWith('http:') && /HTTP protocol is not allowed/.test(msg)) {
    const hasSecret = Boolean(user && (user.token || user.exec || user.authProvider || user.password || user.keyData || user.keyFile));
    return {
      message: hasSecret
        ? `the API server ${cluster.server} is plain HTTP: snatscope does not send a token or other credentials over plain HTTP`
        : `the API server ${cluster.server} is plain HTTP, which is allowed only when the kubeconfig says so`,
      hint: `an https:// server, or insecure-skip-tls-verify: true on cluster "${cluster.name}" in the kubeconfig to allow plain HTTP (credentials then travel unencrypted)`,
    };
  }
  const exec = user?.exec as { command?: string } | undefined;
  if (exec?.command) {
    const plugin = `exec credential plugin "${safeName(exec.command)}" of user "${safeName(user!.name)}"`;
    const code = (err as { code?: unknown })?.code;
    const st = execStatus.get(kc);
    let what: string;
    if (code === 'ENOENT') what = 'was not found';
    else if (code === 'EACCES') what = 'is not executable';
    else if (err instanceof SyntaxError) what = 'printed something that is not an ExecCredential (JSON); its output is not shown, it may hold a token';
    else if (st && st.code !== 0) what = st.signal ? `was killed by ${st.signal}` : `exited with status ${st.code}`;
    else what = 'failed';
    return { message: `getting credentials failed: the ${plugin} ${what}`, hint: `running the plugin yourself, e.g. ${safeName(exec.command)} ..., or kubectl get pods to see its error` };
  }
  return { message: 'getting credentials failed (token file or auth provider)', hint: "refreshing the credentials, e.g. re-run your cloud's get-credentials" };
}

/** A name from the kubeconfig, shown escaped and short. */
function safeName(s: string): string {
  return safeText(s.length > 80 ? `${s.slice(0, 80)}...` : s);
}
