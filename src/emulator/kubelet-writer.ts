// The emulated kubelet of one node writing its containers' logs to files: every `writeMs` the new lines of each
// container instance of the model's pods on that node go into KubeletLogs (CRI lines with their own timestamps), a
// restarted container continues in `<restart+1>.log`, and every `monitorMs` (the kubelet's
// containerLogMonitorInterval) live logs of at least maxSize are rotated. `demo --agent` and the benchmark run it.
import type { ContainerLog } from './containerlog.js';
import { StampFormatter } from './containerlog.js';
import { KubeletLogs, type ContainerLogFiles } from './kubelet-logs.js';
import type { ClusterModel } from './model.js';

export interface ModelKubeletOptions {
  node: string;
  /** The node's pods folder. */
  dir: string;
  maxSize?: number;
  maxFiles?: number;
  writeMs?: number;
  monitorMs?: number;
}

interface Tracked {
  log: ContainerLog;
  /** Absolute index of the next line to write. */
  next: number;
  files: ContainerLogFiles;
}

export class ModelKubelet {
  readonly logs: KubeletLogs;
  /** Rotations done. */
  rotations = 0;
  private readonly tracked = new Map<string, Tracked>();
  private readonly stamps = new StampFormatter();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly model: ClusterModel,
    private readonly o: ModelKubeletOptions,
  ) {
    this.logs = new KubeletLogs({ dir: o.dir, maxSize: o.maxSize, maxFiles: o.maxFiles });
  }

  start(): this {
    this.timers.push(setInterval(() => this.flush(), this.o.writeMs ?? 100));
    this.timers.push(setInterval(() => (this.rotations += this.logs.rotateBySize()), this.o.monitorMs ?? 10_000));
    for (const t of this.timers) t.unref();
    return this;
  }

  /** Writes every line the model's containers on this node have logged so far. */
  flush(): void {
    for (const obj of this.model.listPods()) {
      const spec = obj.spec as { nodeName?: string } | undefined;
      if (spec?.nodeName !== this.o.node) continue;
      const ns = obj.metadata.namespace ?? 'default';
      const state = this.model.podState(ns, obj.metadata.name);
      const uid = obj.metadata.uid ?? '';
      if (!state || !uid) continue;
      for (const c of state.containers) {
        if (!c.log.started && c.previous === null) continue;
        const key = `${ns}/${obj.metadata.name}/${uid}/${c.name}`;
        let t = this.tracked.get(key);
        if (!t) {
          const files = this.logs.container(ns, obj.metadata.name, uid, c.name, c.restartCount);
          this.tracked.set(key, (t = { log: c.log, next: c.log.base, files }));
        }
        if (t.log !== c.log) {
          // Restarted: the old instance's last lines, then the new instance's own file.
          this.write(t);
          while (t.files.restart < c.restartCount) t.files.restartContainer();
          t.log = c.log;
          t.next = c.log.base;
        }
        this.write(t);
      }
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.flush();
    this.logs.closeAll();
  }

  private write(t: Tracked): void {
    const log = t.log;
    const from = Math.max(t.next, log.base);
    if (from >= log.end) return;
    const lines: string[] = [];
    const stamps: string[] = [];
    for (let i = from - log.base; i < log.lines.length; i++) {
      lines.push(log.lines[i]);
      stamps.push(this.stamps.format(log.times[i], log.subs[i]));
    }
    t.files.write(lines, stamps);
    t.next = log.end;
  }
}
