// CLI for the network lab: brings it up, sends the standard mix under each policy asked for, prints the log
// files, the expected per-pod counts and (with --out) writes Kubernetes JSON for the lab's nodes/pods/service.
//   npx tsc -p test/lab/tsconfig.json && node dist/lab/test/lab/run.js [--policy Cluster|Local|both]
//       [--logs DIR] [--out DIR] [--keep] [--sweep]
// --keep waits for Ctrl-C before tearing down (to point snatscope at the live log files).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, kubeObjects, type Policy } from './lab.js';
import { standardMix } from './traffic.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  if (process.argv.includes('--sweep')) {
    console.log(`removed: ${(await Lab.sweep()).join(' ') || 'nothing'}`);
    return 0;
  }
  const missing = Lab.prereqs();
  if (missing.length) {
    console.error(`lab: missing ${missing.join(', ')}`);
    return 2;
  }
  const which = arg('--policy') ?? 'both';
  const policies: Policy[] = which === 'both' ? ['Cluster', 'Local'] : [which as Policy];
  if (!policies.every((p) => p === 'Cluster' || p === 'Local')) {
    console.error('lab: --policy must be Cluster, Local or both');
    return 2;
  }
  const logDir = arg('--logs');
  if (logDir) mkdirSync(logDir, { recursive: true });
  const lab = new Lab({ logDir });
  const stop = (): void => void lab.down().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const t0 = Date.now();
  try {
    await lab.up(policies[0]);
    console.log(`up in ${Date.now() - t0} ms (${lab.id})`);
    for (const policy of policies) {
      if (lab.currentPolicy !== policy) await lab.switchPolicy(policy);
      for (const spec of standardMix(policy)) await lab.send(spec);
      await lab.waitLogs();
      console.log(`${policy}: ${JSON.stringify(lab.expected((s) => s.policy === policy), null, 1)}`);
    }
    console.log(`logs: ${JSON.stringify(lab.logFiles(), null, 1)}`);
    const out = arg('--out');
    if (out) {
      mkdirSync(out, { recursive: true });
      const objs = kubeObjects(policies[policies.length - 1]);
      for (const [kind, items] of Object.entries(objs)) {
        writeFileSync(join(out, `${kind}.json`), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 1));
      }
      writeFileSync(join(out, 'expected.json'), JSON.stringify(lab.expected(), null, 1));
      console.log(`kube objects and expected.json in ${out}`);
    }
    console.log(`total ${Date.now() - t0} ms`);
    if (process.argv.includes('--keep')) {
      console.log('lab is up; Ctrl-C tears it down');
      await new Promise(() => undefined);
    }
    return 0;
  } finally {
    await lab.down();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
