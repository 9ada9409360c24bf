// Writes a kubeconfig that points kubectl and client-node at the emulator (plain http on loopback, so
// insecure-skip-tls-verify: true; an optional bearer token).

import { writeFileSync } from 'node:fs';

export interface KubeconfigOptions {
  context?: string;
  namespace?: string;
  token?: string;
}

export function kubeconfigText(server: string, opts: KubeconfigOptions = {}): string {
  const ctx = opts.context ?? 'snatscope-emulator';
  const q = (s: string) => JSON.stringify(s);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${q(ctx)}`,
    '  cluster:',
    `    server: ${q(server)}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    `- name: ${q(ctx)}`,
    opts.token ? `  user:\n    token: ${q(opts.token)}` : '  user: {}',
    'contexts:',
    `- name: ${q(ctx)}`,
    '  context:',
    `    cluster: ${q(ctx)}`,
    `    user: ${q(ctx)}`,
    `    namespace: ${q(opts.namespace ?? 'default')}`,
    `current-context: ${q(ctx)}`,
    'preferences: {}',
    '',
  ].join('\n');
}

export function writeKubeconfigFile(path: string, server: string, opts: KubeconfigOptions = {}): void {
  writeFileSync(path, kubeconfigText(server, opts), { mode: 0o600 });
}
