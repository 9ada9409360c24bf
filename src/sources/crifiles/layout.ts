// Names in the kubelet's pods folder (pkg/kubelet/logs, the container status' log path):
//   <pods>/<namespace>_<pod>_<uid>/<container>/<restart>.log                 the live log of one container instance
//   <pods>/<namespace>_<pod>_<uid>/<container>/<restart>.log.<YYYYMMDD-HHMMSS>[.gz]   its rotated files
// Namespaces and pod names are DNS labels/subdomains (no "_"), so a pod folder splits into exactly three parts.
// Files of one instance sort by their sequence key: the rotation stamp (by name = by age, .gz or not), the live log
// last.
import { readdir } from 'node:fs/promises';

export interface PodDir {
  name: string;
  namespace: string;
  pod: string;
  uid: string;
}

export interface LogFile {
  /** File name in the container folder. */
  name: string;
  restart: number;
  /** The rotation stamp, or LIVE_KEY for the live `<restart>.log`. */
  key: string;
  gz: boolean;
}

/** Sorts after every rotation stamp (digits and "-"). */
export const LIVE_KEY = '~';

const POD_DIR = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)_([a-z0-9]([-a-z0-9.]*[a-z0-9])?)_([0-9a-fA-F-]+)$/;
const LOG_FILE = /^(\d+)\.log(?:\.(\d{8}-\d{6}))?(\.gz)?$/;

export function parsePodDir(name: string): PodDir | null {
  const m = POD_DIR.exec(name);
  return m ? { name, namespace: m[1], pod: m[3], uid: m[5] } : null;
}

export function parseLogFile(name: string): LogFile | null {
  const m = LOG_FILE.exec(name);
  if (!m) return null;
  if (m[3] && !m[2]) return null; // N.log.gz is not something the kubelet writes
  return { name, restart: Number(m[1]), key: m[2] ?? LIVE_KEY, gz: m[3] !== undefined };
}

/** Folder entries, or null when the folder is gone. */
export async function listDir(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** Files of one container instance in sequence order (oldest rotated first, the live log last). */
export function instanceFiles(entries: readonly string[], restart: number): LogFile[] {
  const out: LogFile[] = [];
  for (const e of entries) {
    const f = parseLogFile(e);
    if (f && f.restart === restart) out.push(f);
  }
  // A rotated file and its .gz copy can both exist for a moment (the kubelet writes X.tmp, renames, removes X):
  // the plain one sorts first and the reader skips the copy by identity.
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : Number(a.gz) - Number(b.gz)));
}

/** Restart numbers with any file in a container folder, ascending. */
export function restartsIn(entries: readonly string[]): number[] {
  const set = new Set<number>();
  for (const e of entries) {
    const f = parseLogFile(e);
    if (f) set.add(f.restart);
  }
  return [...set].sort((a, b) => a - b);
}

/** The store's source key of one container instance read from files. */
export function fileSourceKey(d: PodDir, container: string, restart: number): string {
  return `cri:${d.namespace}/${d.pod}/${d.uid}/${container}/${restart}`;
}
