// Not a test: times the line stage on 1M generated `main` lines, in-process. Run:
//   npx tsc --outDir /tmp/parse-bench --rootDir . --module nodenext --target es2022 --skipLibCheck --types node \
//     test/parse-bench.ts && node /tmp/parse-bench/test/parse-bench.js
// Lines are flat strings (as a source's Buffer.toString gives them), 10,000 distinct, cycled.
import { LineStage, newParsedLine } from '../src/parse/index.js';
import { PRESETS } from './helpers/presets.js';

const N = Number(process.argv[2] ?? 1_000_000);
const DISTINCT = 10_000;
const UAS = ['curl/8.5.0', 'kube-probe/1.30', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Go-http-client/1.1', 'Caf\\xC3\\xA9 \\x22bot\\x22'];
const PATHS = ['/', '/index.html', '/api/v1/items?id=', '/static/app.js', '/healthz'];

function line(i: number, envelope: boolean): string {
  const sec = Math.floor(i / 50);
  const ts = new Date(Date.UTC(2026, 10, 27, 8, 0, 0) + sec * 1000);
  const tl = `${String(ts.getUTCDate()).padStart(2, '0')}/Nov/2026:${String(ts.getUTCHours()).padStart(2, '0')}:${String(ts.getUTCMinutes()).padStart(2, '0')}:${String(ts.getUTCSeconds()).padStart(2, '0')} +0000`;
  const addr = i % 3 === 0 ? `10.244.${i % 7}.${(i * 13) % 250}` : `203.0.113.${i % 250}`;
  const xff = i % 4 === 0 ? '"-"' : `"198.51.100.${i % 200}, 10.0.0.${i % 9}"`;
  const s = `${addr} - - [${tl}] "GET ${PATHS[i % 5]}${i % 5 === 2 ? i : ''} HTTP/1.1" ${i % 10 === 0 ? 404 : 200} ${i * 7 % 9000} "-" "${UAS[i % 5]}" ${xff}`;
  const full = envelope ? `${ts.toISOString().replace('Z', '123456Z')} ${s}` : s;
  return Buffer.from(full).toString('utf8'); // flat, like a decoded source line
}

function bench(label: string, lines: string[], fn: (l: string) => unknown): void {
  for (let i = 0; i < 200_000; i++) fn(lines[i % lines.length]); // warm up
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let ok = 0;
  for (let i = 0; i < N; i++) if (fn(lines[i % lines.length])) ok++;
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = (c.user + c.system) / 1e6;
  if (ok !== N) throw new Error(`${label}: only ${ok} of ${N} parsed`);
  // CPU time is the honest number on a shared machine (GC threads can push it above wall time).
  console.log(`${label.padEnd(40)} ${(N / cpu / 1e6).toFixed(2)} M lines/s per CPU-second (${(cpu * 1e9 / N).toFixed(0)} ns/line), ` +
    `wall ${(N / wall / 1e6).toFixed(2)} M lines/s`);
}

const plain = Array.from({ length: DISTINCT }, (_, i) => line(i, false));
const wrapped = Array.from({ length: DISTINCT }, (_, i) => line(i, true));
const out = newParsedLine();
const main = PRESETS.main;
bench('parser only: PRESETS.main.parse', plain, (l) => main.parse(l, out));
const s1 = new LineStage({ format: 'main' });
bench('LineStage main, no envelope', plain, (l) => s1.push(l));
const s2 = new LineStage({ format: 'auto' });
bench('LineStage auto (-> main), no envelope', plain, (l) => s2.push(l));
const s3 = new LineStage({ format: 'auto' });
bench('LineStage auto, kubectl --timestamps', wrapped, (l) => s3.push(l));
