// The drivable in-memory cluster the emulator serves: ClusterModel, the end of a class chain (model-store.ts: objects,
// resourceVersions, watch history; model-services.ts: Services, Endpoints, EndpointSlices; model-pods.ts: nodes, pods,
// workloads). This file: each container's instances and the logs the log endpoint serves (restarts, waiting, clock
// offsets, appended lines, tailed files). Every change emits an 'event' (ModelEvent) for watchers.

import { ContainerLog } from './containerlog.js';
import { FileTail } from './filetail.js';
import { key } from './model-store.js';
import { PodModel } from './model-pods.js';
import type { ContainerState, KubeObject } from './objects.js';

export type { ModelEvent } from './model-store.js';

function toLines(text: string | readonly string[]): readonly string[] {
  if (typeof text !== 'string') return text;
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export class ClusterModel extends PodModel {
  private readonly tails = new Map<string, Set<FileTail>>();
  private readonly clockOffsets = new Map<string, number>();

  /** Deletes a pod at once (no grace period): its file tails stop, its follow log streams end cleanly. */
  override deletePod(namespace: string, name: string): boolean {
    if (!this.pods.has(key(namespace, name))) return false;
    this.stopTails(key(namespace, name));
    return super.deletePod(namespace, name);
  }

  /**
   * Restarts a container: new containerID, restartCount+1, follow streams end, the old log becomes `previous`.
   * `statusLagMs`: the pod's status (GET, list, watch) shows the change only that much later, as on a loaded
   * cluster, while the log endpoint serves the new instance at once (follow) and the old one with previous=true.
   */
  restartContainer(namespace: string, pod: string, container: string,
    opts: { exitCode?: number; reason?: string; statusLagMs?: number } = {}): KubeObject {
    const [p, c] = this.container(namespace, pod, container);
    this.newInstance(c, opts.exitCode ?? 0, opts.reason ?? 'Completed');
    c.waiting = null;
    c.log.started = true;
    if (opts.statusLagMs && opts.statusLagMs > 0) {
      const k = key(namespace, pod);
      setTimeout(() => {
        if (this.pods.get(k) === p) this.commitPod(p, 'MODIFIED');
      }, opts.statusLagMs).unref();
      return this.getPod(namespace, pod)!;
    }
    return this.commitPod(p, 'MODIFIED');
  }

  /** The container's clock is off by offsetMs from now on (negative: stepped back); lines appended without a time use it. */
  setClockOffset(namespace: string, pod: string, container: string, offsetMs: number): void {
    this.clockOffsets.set(`${key(namespace, pod)}/${container}`, offsetMs);
  }

  private newInstance(c: ContainerState, exitCode: number, reason: string): void {
    const old = c.log;
    old.close();
    const now = Date.now();
    if (old.started) {
      c.lastTerminated = { exitCode, reason, startedAt: c.startedAt, finishedAt: now, containerID: old.containerId };
      c.previous = old;
      c.restartCount++;
    }
    c.log = new ContainerLog({ started: false, maxLines: this.maxLogLines });
    c.startedAt = now;
  }

  /**
   * Puts a container into waiting (reason, e.g. ContainerCreating or CrashLoopBackOff: a running instance stops
   * and its streams end) or back to running (null: a stopped instance is replaced by a new one).
   */
  setContainerWaiting(namespace: string, pod: string, container: string, reason: string | null): KubeObject {
    const [p, c] = this.container(namespace, pod, container);
    if (reason !== null) {
      if (c.log.started && !c.log.closed) {
        c.log.close();
        c.lastTerminated = { exitCode: 1, reason: 'Error', startedAt: c.startedAt, finishedAt: Date.now(),
          containerID: c.log.containerId };
      }
      c.waiting = reason;
    } else if (c.waiting !== null) {
      if (c.log.closed) this.newInstance(c, 1, 'Error');
      c.log.started = true;
      c.startedAt = Date.now();
      c.waiting = null;
    }
    return this.commitPod(p, 'MODIFIED');
  }

  /**
   * Appends log lines (a string is split at newlines) to the current instance, stamped timeMs (default now).
   * Returns false (and drops the lines) when the pod or container does not exist, e.g. just deleted.
   */
  appendLog(namespace: string, pod: string, container: string, text: string | readonly string[], timeMs?: number): boolean {
    const c = this.pods.get(key(namespace, pod))?.containers.find((x) => x.name === container);
    if (!c) return false;
    c.log.append(toLines(text), timeMs ?? Date.now() + (this.clockOffsets.get(`${key(namespace, pod)}/${container}`) ?? 0));
    return true;
  }

  /** Tails a real file into a container's log (existing content, then appended lines). Stops on close() or pod delete. */
  attachLogFile(namespace: string, pod: string, container: string, path: string, opts: { pollMs?: number } = {}):
    { close(): void } {
    this.container(namespace, pod, container);
    const k = key(namespace, pod);
    const tail = new FileTail(path, (lines) => {
      const p = this.pods.get(k);
      const c = p?.containers.find((x) => x.name === container);
      if (c) c.log.append(lines, Date.now());
    }, opts.pollMs);
    let set = this.tails.get(k);
    if (!set) this.tails.set(k, (set = new Set()));
    set.add(tail);
    return { close: () => { tail.close(); set!.delete(tail); } };
  }

  private stopTails(k: string): void {
    for (const t of this.tails.get(k) ?? []) t.close();
    this.tails.delete(k);
  }


  /** Stops file tails. Log streams and watches belong to the server (Emulator.close()). */
  close(): void {
    for (const k of [...this.tails.keys()]) this.stopTails(k);
  }
}