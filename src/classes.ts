// The address classes, defined once. Every list, lookup, counter array, SQL CASE and output column that names a
// class derives from CLASS_TABLE (foundation level: db/, classify/, views and ui/ all import it).
//
// - Table order is the display order (reports, legends, columns, tops).
// - `id` is the integer stored in requests.class / client_class / rollups.class: permanent once released, so a new
//   class takes the next free id wherever it is listed. Counter arrays are indexed by id (CLASS_COUNT slots).
// - The rule that assigns a class lives in src/classify/; its meaning (one line) is `meaning` here.

export interface ClassSpec {
  readonly name: string;
  /** Stored integer; never reused or renumbered. */
  readonly id: number;
  /** Short label for narrow columns (TUI). */
  readonly label: string;
  /** Ink/terminal colour name (TUI). */
  readonly color: string;
  /** ANSI escape that starts the class's colour in the lines view. */
  readonly ansi: string;
  /** Colour in the HTML report's charts. */
  readonly hex: string;
  /** One line saying what the class means, for help texts and legends. */
  readonly meaning: string;
  /** Header of its share column in the TUI's pod table (the SNAT'd class has the SNAT column instead). */
  readonly header: string;
  /** When the TUI drops the share column on a narrow terminal: lower goes first (see ui/columns.ts). */
  readonly keep: number;
  /** Shown dimmed instead of coloured in the TUI's share column. */
  readonly muted: boolean;
}

export const CLASS_TABLE = [
  {
    name: 'node',
    id: 0,
    label: 'node',
    color: 'red',
    ansi: '\x1b[1;31m',
    hex: '#d9534f',
    meaning: "a cluster node's address: kube-proxy SNAT'd the request, the client address is lost",
    header: 'SNAT',
    keep: Infinity,
    muted: false,
  },
  {
    name: 'probe',
    id: 5,
    label: 'probe',
    color: 'gray',
    ansi: '\x1b[2;37m',
    hex: '#c9a227',
    meaning: "a kubelet probe (user agent kube-probe/) from a node's address: a health check, not client traffic",
    header: 'PRB%',
    keep: 2,
    muted: true,
  },
  {
    name: 'pod',
    id: 1,
    label: 'pod',
    color: 'cyan',
    ansi: '\x1b[35m',
    hex: '#5b8def',
    meaning: 'a pod address: in-cluster traffic from another pod',
    header: 'POD%',
    keep: 4,
    muted: false,
  },
  {
    name: 'private',
    id: 2,
    label: 'priv',
    color: 'blue',
    ansi: '\x1b[33m',
    hex: '#9b7fd1',
    meaning: 'a private or --internal-cidr address outside the cluster topology (load balancer, VPC, loopback)',
    header: 'PRV%',
    keep: 3,
    muted: false,
  },
  {
    name: 'external',
    id: 3,
    label: 'ext',
    color: 'green',
    ansi: '\x1b[32m',
    hex: '#3aa757',
    meaning: 'a public address: the real client address arrived',
    header: 'EXT%',
    keep: 8,
    muted: false,
  },
  {
    name: 'unknown',
    id: 4,
    label: 'unk',
    color: 'gray',
    ansi: '\x1b[90m',
    hex: '#9e9e9e',
    meaning: 'not an IP address (-, unix: socket, garbage)',
    header: 'UNK%',
    keep: 1,
    muted: true,
  },
] as const satisfies readonly ClassSpec[];

export type AddressClass = (typeof CLASS_TABLE)[number]['name'];
/** Counts (or anything else) per class. */
export type PerClass<T> = Record<AddressClass, T>;

/** The class names in display order. */
export const CLASSES: readonly AddressClass[] = CLASS_TABLE.map((c) => c.name);

/** The class a value falls back to when it names none (and the stored id that is out of range reads as). */
export const FALLBACK_CLASS: AddressClass = 'unknown';

/** The class's entry. */
export const CLASS_INFO: Readonly<PerClass<ClassSpec>> = perClass((c) => CLASS_TABLE.find((s) => s.name === c)!);

/** Stored id per class. */
export const CLASS_ID: Readonly<PerClass<number>> = perClass((c) => CLASS_INFO[c].id);

/** Slots of a counter array indexed by class id. */
export const CLASS_COUNT = Math.max(...CLASS_TABLE.map((c) => c.id)) + 1;

/** Class per stored id (index = id). */
export const CLASS_BY_ID: readonly AddressClass[] = (() => {
  const out = new Array<AddressClass>(CLASS_COUNT).fill(FALLBACK_CLASS);
  for (const c of CLASS_TABLE) out[c.id] = c.name;
  return out;
})();

/** The SNAT'd class: the one the SNAT ratio counts. */
export const SNAT_CLASS = 'node' satisfies AddressClass;
export const NODE_ID = CLASS_ID[SNAT_CLASS];
/** The classes shown as shares next to the SNAT ratio (all the others), in display order. */
export type ShareClass = Exclude<AddressClass, typeof SNAT_CLASS>;
export const SHARE_CLASSES: readonly ShareClass[] = CLASSES.filter((c): c is ShareClass => c !== SNAT_CLASS);
export const FALLBACK_ID = CLASS_ID[FALLBACK_CLASS];

/** The class of kubelet health checks: not client traffic, so outside every ratio's denominator. */
export const PROBE_CLASS = 'probe' satisfies AddressClass;

/** Client traffic: every request but the kubelet's probes (the denominator of both ratios). */
export function clientTraffic(requests: number, classes: PerClass<number>): number {
  return requests - classes[PROBE_CLASS];
}

/** SNAT ratio over client traffic: node / (requests - probe); null when there is no client traffic. */
export function snatRatioOf(requests: number, classes: PerClass<number>): number | null {
  const d = clientTraffic(requests, classes);
  return d > 0 ? classes[SNAT_CLASS] / d : null;
}

/**
 * Share of client traffic whose genuine client is known: `known` counts requests of class external or whose
 * recovered client is external. Null when there is no client traffic.
 */
export function clientRatioOf(requests: number, classes: PerClass<number>, known: number): number | null {
  const d = clientTraffic(requests, classes);
  return d > 0 ? known / d : null;
}

/** The class of a request's address: a probe's is its node's (`node`); every other class is its address's. */
export function addressClassOf(cls: AddressClass): AddressClass {
  return cls === PROBE_CLASS ? SNAT_CLASS : cls;
}

/** True when a request's genuine client is known (counted by clientRatioOf). */
export function clientKnown(cls: AddressClass, clientCls: AddressClass | null): boolean {
  return cls === 'external' || clientCls === 'external';
}

/** The class a stored id stands for (NULL and ids this build does not know read as the fallback). */
export function classOfId(id: number | null): AddressClass {
  return (id === null ? undefined : CLASS_BY_ID[id]) ?? FALLBACK_CLASS;
}

/** A record with one entry per class, in display order. */
export function perClass<T>(f: (cls: AddressClass) => T): PerClass<T> {
  const out = {} as PerClass<T>;
  for (const c of CLASSES) out[c] = f(c);
  return out;
}

/** Zero per class. */
export function zeroPerClass(): PerClass<number> {
  return perClass(() => 0);
}

/**
 * SQL that turns a stored class id in `column` into its name. `orElse`: the name for any other value (NULL stays
 * NULL without it).
 */
export function classCaseSql(column: string, orElse: AddressClass | null): string {
  const whens = CLASS_TABLE.map((c) => `WHEN ${c.id} THEN '${c.name}'`).join(' ');
  return `CASE ${column} ${whens}${orElse === null ? '' : ` ELSE '${orElse}'`} END`;
}

/** A record with one entry per share class (every class but the SNAT'd one). */
export function perShare<T>(f: (cls: ShareClass) => T): Record<ShareClass, T> {
  const out = {} as Record<ShareClass, T>;
  for (const c of SHARE_CLASSES) out[c] = f(c);
  return out;
}
