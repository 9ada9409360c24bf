// In-process parse + classify throughput: the generated log read in big chunks (not timed), then per line, timed:
// UTF-8 decode of the line (as the file source does), LineStage (format auto), the Classifier on the remote
// address, and realip recovery from X-Forwarded-For over the trusted load balancer network. Wall and CPU rates.
import { closeSync, openSync, readSync } from 'node:fs';
import { Classifier, loadTopologyFiles } from '../src/classify/index.js';
import { LineStage } from '../src/parse/index.js';
import { CLASS_COUNT, CLASS_ID, perClass, type AddressClass } from '../src/classes.js';
import { TRUSTED_CIDR } from './gen.js';

export interface ParseResult {
  lines: number;
  accepted: number;
  unparsed: number;
  seconds: number;
  cpuSeconds: number;
  linesPerSec: number;
  /** Lines per CPU-second of this thread's process: the steadier number on a shared machine. */
  linesPerCpuSec: number;
  classes: Record<AddressClass, number>;
  /** Requests whose client was recovered through X-Forwarded-For. */
  recovered: number;
}

const CHUNK = 16 << 20;

export function benchParse(logPath: string, topologyPath: string): ParseResult {
  const topology = loadTopologyFiles([topologyPath]);
  const classifier = new Classifier(topology, { trust: [TRUSTED_CIDR] });
  const stage = new LineStage({ format: 'auto' });
  const counts = new Float64Array(CLASS_COUNT);
  let lines = 0;
  let accepted = 0;
  let recovered = 0;
  let ns = 0n;
  let cpu = 0;

  const fd = openSync(logPath, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let carry = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, carry, CHUNK - carry, null);
      const end = carry + n;
      let start = 0;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      // Each line decoded and dropped at once, as the file source does (no array of lines kept alive).
      for (;;) {
        let nl = buf.indexOf(10, start);
        if (nl === -1 || nl >= end) {
          if (n !== 0 || start >= end) break;
          nl = end; // the last line without a newline
        }
        const p = stage.push(buf.toString('utf8', start, nl));
        start = nl + 1;
        lines++;
        if (p === null) continue;
        accepted++;
        const c = classifier.classify(p.remoteAddr);
        counts[CLASS_ID[c.cls]]++;
        if (p.xff !== null) {
          const client = classifier.recover(p.remoteAddr, p.xff);
          if (client !== null) {
            classifier.classify(client);
            recovered++;
          }
        }
      }
      ns += process.hrtime.bigint() - t0;
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1e6;
      if (n === 0) break;
      start = Math.min(start, end);
      buf.copy(buf, 0, start, end);
      carry = end - start;
    }
  } finally {
    closeSync(fd);
  }
  const seconds = Number(ns) / 1e9;
  const classes = perClass((k) => counts[CLASS_ID[k]]);
  return {
    lines,
    accepted,
    unparsed: lines - accepted,
    seconds,
    cpuSeconds: cpu,
    linesPerSec: seconds > 0 ? lines / seconds : 0,
    linesPerCpuSec: cpu > 0 ? lines / cpu : 0,
    classes,
    recovered,
  };
}
