// What the API server and the kubeconfig's credential plugin say never reaches the terminal raw or leaks a token:
// Status reasons and watch ERROR messages are escaped; an exec plugin's output is never shown (only which plugin and
// its exit status); a plain-HTTP server with a bearer token gets a message saying so and how to allow it.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWatch } from '../src/watch/run.js';
import { UserError } from '../src/errors.js';
import { startCluster, waitFor, type Cluster } from './helpers/kube.js';
import { FAST, Served, startWatch } from './helpers/watch-run.js';

let c: Cluster;
beforeEach(async () => {
  c = await startCluster({ pods: 1 });
});
afterEach(async () => {
  await c.close();
});

const HOSTILE = '\x1b]0;owned\x07\x1b[2J';
const raw = (s: string) => /[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(s);

async function failure(kubeconfig: string): Promise<UserError> {
  const err = await runWatch({ kubeconfig, db: c.db, output: 'none', targets: ['web-0'], follow: false }, { env: {}, tuning: FAST }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

function kubeconfigWith(user: string, server = c.emu.url, insecure = true): string {
  const path = join(c.dir, `kc-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: emu', '  cluster:', `    server: ${JSON.stringify(server)}`, ...(insecure ? ['    insecure-skip-tls-verify: true'] : []),
    'users:', '- name: me', '  user:', ...user.split('\n').map((l) => `    ${l}`),
    'contexts:', '- name: emu', '  context:', '    cluster: emu', '    user: me', 'current-context: emu', '',
  ].join('\n'));
  return path;
}

describe('text from the API server on stderr', () => {
  it('the reason of a 500 Status body and the message of a watch ERROR event are escaped', async () => {
    const s = new Served(c);
    c.emu.failNext(2, 500, { path: /\/log/, reason: `Boom${HOSTILE}`, message: `kubelet says ${HOSTILE}` });
    const w = await startWatch(c, { targets: ['web-0'] });
    s.put('web-0', 'one');
    await s.allStored('a line after the 500s');
    c.emu.errorWatches(500, `etcd ${HOSTILE} unhappy`, `Internal${HOSTILE}`);
    await waitFor(() => w.stderr.text.includes('etcd'), 5000, 'the watch error notice');
    await w.stop();
    expect(w.stderr.text).toContain('Boom\\e]0;owned\\x07');
    expect(w.stderr.text).toContain('etcd \\e]0;owned\\x07\\e[2J unhappy');
    expect(raw(w.stderr.text)).toBe(false);
  }, 20_000);
});

describe('credentials', () => {
  it('an exec plugin that prints something other than JSON: its output is never shown, the plugin is named', async () => {
    const plugin = join(c.dir, 'get-token');
    writeFileSync(plugin, '#!/bin/sh\necho "secret-token-5f3a9 not json"\n');
    chmodSync(plugin, 0o755);
    const err = await failure(kubeconfigWith(`exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: ${plugin}\n  interactiveMode: Never`));
    expect(err.message).toContain(`exec credential plugin "${plugin}" of user "me" printed something that is not an ExecCredential (JSON)`);
    expect(`${err.message} ${err.hint}`).not.toContain('secret-token');
  });

  it('an exec plugin that fails: its exit status, never its output', async () => {
    const plugin = join(c.dir, 'get-token-fails');
    writeFileSync(plugin, '#!/bin/sh\necho "secret-token-5f3a9" >&2\necho "secret-token-5f3a9"\nexit 3\n');
    chmodSync(plugin, 0o755);
    const err = await failure(kubeconfigWith(`exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: ${plugin}\n  interactiveMode: Never`));
    expect(err.message).toContain('exited with status 3');
    expect(`${err.message} ${err.hint}`).not.toContain('secret-token');
  });

  it('a plain http:// server with a bearer token: says the token is not sent over plain HTTP and how to allow it', async () => {
    const err = await failure(kubeconfigWith('token: secret-token-5f3a9', c.emu.url, false));
    expect(err.message).toBe(`the API server ${c.emu.url} is plain HTTP: snatscope does not send a token or other credentials over plain HTTP`);
    expect(err.hint).toContain('insecure-skip-tls-verify: true on cluster "emu"');
    expect(`${err.message} ${err.hint}`).not.toContain('secret-token');
  });
});
