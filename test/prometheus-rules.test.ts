// deploy/prometheus-rules.yaml checked and unit-tested by the real promtool (Debian's prometheus package), and every
// alert in it covered by a test where it fires and one where it stays quiet.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prereqGate } from './helpers/prereq.js';
import { ROOT } from './helpers/cli.js';

const PROMTOOL = '/usr/bin/promtool';
const RULES = join(ROOT, 'deploy', 'prometheus-rules.yaml');
const TESTS = join(ROOT, 'deploy', 'prometheus-rules.test.yaml');

function promtool(...args: string[]) {
  const r = spawnSync(PROMTOOL, args, { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Alert tests of the unit-test file: alert name -> [fires somewhere, quiet somewhere]. */
function coverage(text: string): Map<string, { fires: boolean; quiet: boolean }> {
  const out = new Map<string, { fires: boolean; quiet: boolean }>();
  const re = /- alertname: (\S+)\n\s+eval_time: \S+\n\s+exp_alerts:( \[\])?/g;
  for (const m of text.matchAll(re)) {
    const c = out.get(m[1]) ?? { fires: false, quiet: false };
    if (m[2]) c.quiet = true;
    else c.fires = true;
    out.set(m[1], c);
  }
  return out;
}

describe('Prometheus rules', () => {
  const gate = prereqGate('promtool', existsSync(PROMTOOL) ? [] : ['promtool (Debian package prometheus)']);

  describe.skipIf(gate.skip)('with promtool', () => {
    it('are valid rules', () => {
      const r = promtool('check', 'rules', RULES);
      expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
      expect(r.code).toBe(0);
    });

    it('pass their unit tests (recording rules and every alert)', () => {
      const r = promtool('test', 'rules', TESTS);
      expect(r.out).toContain('SUCCESS');
      expect(r.code).toBe(0);
    });
  });

  it('have a test where each alert fires and one where it stays quiet', () => {
    const alerts = [...readFileSync(RULES, 'utf8').matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]);
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    const cov = coverage(readFileSync(TESTS, 'utf8'));
    for (const a of alerts) expect({ alert: a, ...cov.get(a) }).toEqual({ alert: a, fires: true, quiet: true });
  });

  it('exclude probes from every SNAT ratio, as the report does', () => {
    const text = readFileSync(RULES, 'utf8');
    const ratios = [...text.matchAll(/record: (snatscope:\S*snat_ratio\S*)\n\s+expr: \|\n((?:\s{10}.*\n)+)/g)];
    expect(ratios.map((m) => m[1]).sort()).toEqual(['snatscope:pod_snat_ratio:rate5m', 'snatscope:service_snat_ratio:rate5m']);
    for (const m of ratios) expect(m[2]).toMatch(/\/ sum by \([^)]*\) \(rate\(snatscope_\w*requests_total\{class!="probe"\}\[5m\]\)\)/);
  });
});
