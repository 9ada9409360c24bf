// Deterministic benchmark inputs: an nginx `main`-format access log with a realistic client mix (node SNAT,
// pods, private networks, external IPv4/IPv6, IPv4-mapped, unix sockets), X-Forwarded-For chains, hostile requests
// and escaped user agents (\x22, \xC3\xA9), plus the cluster topology it was "recorded" in (kubectl List JSON).
// Same (lines, seed) -> same bytes; files are cached in the output directory by (lines, seed, generator version).
// Public addresses come only from the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32); the long tail of distinct clients is IPv6 in 2001:db8::/32 and VPC clients in 10.64.0.0/10.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cumulative, mulberry32, pickWeighted, type Rng } from '../src/demo/rng.js';

/** Bump when the generated text changes, so cached files are not reused. */
export const GEN_VERSION = 2;

export const NODE_COUNT = 8;
export const NAMESPACE = 'shop';
/** The pod the generated log belongs to (ingest --pod/--namespace). */
export const LOG_POD = 'web-0';
/** The load balancer network: --trust for realip (X-Forwarded-For recovered from these peers). */
export const TRUSTED_CIDR = '192.168.1.0/24';

export interface GeneratedInput {
  logPath: string;
  topologyPath: string;
  lines: number;
  bytes: number;
  distinctClients: number;
  /** True when the files came from the cache. */
  cached: boolean;
  seconds: number;
}

const BASE_TIME = Date.UTC(2026, 10, 27, 0, 0, 0);
/** Average milliseconds between two lines (1M lines span one hour). */
const LINE_GAP_MS = 3.6;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function nodeIp(n: number): string {
  return `10.0.0.${11 + n}`;
}

/** The topology: NODE_COUNT nodes (two dual-stack) with podCIDRs, and 240 running pods in them. */
export function topologyObject(): unknown {
  const items: unknown[] = [];
  for (let n = 0; n < NODE_COUNT; n++) {
    const addresses = [
      { type: 'InternalIP', address: nodeIp(n) },
      { type: 'Hostname', address: `node-${n + 1}` },
    ];
    const podCIDRs = [`10.244.${n}.0/24`];
    if (n < 2) {
      addresses.push({ type: 'InternalIP', address: `fd00:10::${(0x11 + n).toString(16)}` });
      podCIDRs.push(`fd00:244:${n}::/64`);
    }
    items.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `node-${n + 1}`, labels: { 'kubernetes.io/hostname': `node-${n + 1}` } },
      spec: { podCIDR: podCIDRs[0], podCIDRs },
      status: { addresses },
    });
  }
  for (let k = 0; k < 240; k++) {
    const n = k % NODE_COUNT;
    const ip = `10.244.${n}.${10 + Math.floor(k / NODE_COUNT)}`;
    items.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${k}`, namespace: NAMESPACE, labels: { app: 'web' } },
      spec: { nodeName: `node-${n + 1}`, containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
      status: {
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        containerStatuses: [{ name: 'nginx', ready: true, restartCount: 0, containerID: `containerd://${k}`, state: { running: {} } }],
      },
    });
  }
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
}

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'curl/8.5.0',
  'kube-probe/1.31',
  'Go-http-client/1.1',
  'python-requests/2.32.3',
  'Prometheus/2.55.1',
  'Caf\\xC3\\xA9Bot/1.0 (+https://bot.example.com/caf\\xC3\\xA9)',
  'Mozilla/5.0 \\x22quoted\\x22 (compatible; Scanner/0.1)',
  '-',
];
const UA_W = cumulative([14, 6, 5, 5, 16, 18, 10, 8, 10, 3, 2, 3]);

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'];
const METHOD_W = cumulative([80, 12, 4, 2, 1, 1]);
const PROTOS = ['HTTP/1.1', 'HTTP/2.0', 'HTTP/1.0'];
const PROTO_W = cumulative([85, 10, 5]);
const STATUSES = [200, 304, 301, 404, 400, 499, 500, 502, 503, 201];
const STATUS_W = cumulative([75, 6, 3, 8, 1, 1, 2, 2, 1, 1]);
const WORDS = ['shoes', 'caf%C3%A9', 'red+dress', 'laptop', 'k8s', 'snat', 'nginx', '%22quoted%22'];
const HOSTILE = [
  '\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03',
  'GET /\\x22;cat /etc/passwd HTTP/1.1',
  'GET /?id=1%27%20OR%201=1-- HTTP/1.1',
  'GET /%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1',
  'GET /../../../../etc/shadow HTTP/1.0',
  'SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1',
];

// Client categories: share of requests.
const CAT_NODE = 0, CAT_POD = 1, CAT_LB = 2, CAT_EXT4 = 3, CAT_MAPPED = 4, CAT_UNIX = 5, CAT_TAIL = 6;
const CAT_W = cumulative([22, 6, 5, 6, 0.8, 0.2, 60]);

/** Long-tail client j: 3 in 4 external IPv6 (2001:db8::/32), 1 in 4 VPC IPv4 (10.64.0.0/10); distinct per j. */
function tailClient(j: number): string {
  if ((j & 3) === 0) return `10.${64 + ((j >>> 16) & 63)}.${(j >>> 8) & 255}.${j & 255}`;
  const h = (Math.imul(j, 2654435761) >>> 24) + 1;
  return `2001:db8:${(j >>> 16).toString(16)}:${(j & 0xffff).toString(16)}::${h.toString(16)}`;
}

function ext4(r: number): string {
  const nets = ['192.0.2', '198.51.100', '203.0.113'];
  return `${nets[r % 3]}.${Math.floor(r / 3) % 256}`;
}

/** Writes lines to a file, or collects them; one line generator for both. */
export class LogGenerator {
  private readonly rng: Rng;
  /** Long-tail pool size: ~0.7 x lines gives ~400k distinct clients per 1M lines. */
  private readonly pool: number;
  private readonly tailSeen: Uint8Array;
  private readonly hotSeen = new Set<string>();
  private lastSec = -1;
  private timeText = '';

  constructor(seed: number, private readonly total: number) {
    this.rng = mulberry32(seed);
    this.pool = Math.max(1000, Math.round(total * 0.7));
    this.tailSeen = new Uint8Array(this.pool);
  }

  get distinctClients(): number {
    let n = this.hotSeen.size;
    for (let i = 0; i < this.tailSeen.length; i++) n += this.tailSeen[i];
    return n;
  }

  private localTime(ms: number): string {
    const sec = Math.floor(ms / 1000);
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      const d = new Date(sec * 1000);
      const p2 = (n: number) => (n < 10 ? '0' : '') + n;
      this.timeText = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
    }
    return this.timeText;
  }

  private client(): string {
    const rng = this.rng;
    const cat = pickWeighted(rng, CAT_W);
    let a: string;
    switch (cat) {
      case CAT_NODE: {
        const n = Math.floor(rng() * (NODE_COUNT + 2));
        a = n < NODE_COUNT ? nodeIp(n) : `fd00:10::${(0x11 + n - NODE_COUNT).toString(16)}`;
        break;
      }
      case CAT_POD:
        a = `10.244.${Math.floor(rng() * NODE_COUNT)}.${10 + Math.floor(rng() * 240)}`;
        break;
      case CAT_LB:
        a = rng() < 0.7 ? `192.168.1.${1 + Math.floor(rng() * 20)}` : `172.16.${Math.floor(rng() * 4)}.${1 + Math.floor(rng() * 250)}`;
        break;
      case CAT_EXT4:
        a = ext4(Math.floor(rng() * 768));
        break;
      case CAT_MAPPED:
        a = `::ffff:${ext4(Math.floor(rng() * 768))}`;
        break;
      case CAT_UNIX:
        a = 'unix:';
        break;
      default: {
        const j = Math.floor(rng() * this.pool);
        this.tailSeen[j] = 1;
        return tailClient(j);
      }
    }
    this.hotSeen.add(a);
    return a;
  }

  private request(): string {
    const rng = this.rng;
    if (rng() < 0.003) return HOSTILE[Math.floor(rng() * HOSTILE.length)];
    const m = METHODS[pickWeighted(rng, METHOD_W)];
    const r = rng();
    let path: string;
    if (r < 0.2) path = '/';
    else if (r < 0.45) path = `/api/v1/items/${Math.floor(rng() * 100000)}`;
    else if (r < 0.6) path = `/api/v1/search?q=${WORDS[Math.floor(rng() * WORDS.length)]}&page=${1 + Math.floor(rng() * 20)}`;
    else if (r < 0.8) path = `/static/js/app.${(Math.floor(rng() * 0xffffff)).toString(16)}.js`;
    else if (r < 0.9) path = `/images/${Math.floor(rng() * 5000)}.png`;
    else if (r < 0.95) path = '/healthz';
    else path = '/login';
    return `${m} ${path} ${PROTOS[pickWeighted(rng, PROTO_W)]}`;
  }

  private xff(): string {
    const rng = this.rng;
    const r = rng();
    if (r < 0.7) return '-';
    if (r < 0.85) return ext4(Math.floor(rng() * 768));
    if (r < 0.95) return `${ext4(Math.floor(rng() * 768))}, 192.168.1.${1 + Math.floor(rng() * 20)}`;
    return `${tailClient(1 + Math.floor(rng() * 1000) * 4)}, 10.0.0.${11 + Math.floor(rng() * NODE_COUNT)}`;
  }

  /** Line i of the log (i counts from 0; call in order). */
  line(i: number): string {
    const rng = this.rng;
    const time = this.localTime(BASE_TIME + Math.floor(i * LINE_GAP_MS));
    const status = STATUSES[pickWeighted(rng, STATUS_W)];
    const bytes = status === 304 ? 0 : Math.floor(rng() * rng() * 60000);
    const ref = rng() < 0.8 ? '-' : `https://shop.example.com/p/${Math.floor(rng() * 1000)}`;
    const user = rng() < 0.01 ? 'alice' : '-';
    return `${this.client()} - ${user} [${time}] "${this.request()}" ${status} ${bytes} "${ref}" "${UAS[pickWeighted(rng, UA_W)]}" "${this.xff()}"`;
  }
}

/** The first `n` lines of the generator for (seed, total): a pool for the live benchmark. */
export function sampleLines(seed: number, n: number): string[] {
  const g = new LogGenerator(seed, n);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = g.line(i);
  return out;
}

interface CacheMeta {
  version: number;
  lines: number;
  seed: number;
  bytes: number;
  distinctClients: number;
}

/** Generates (or reuses) the log and the topology for (lines, seed) in `dir`. */
export function generate(dir: string, lines: number, seed: number, log: (msg: string) => void = () => {}): GeneratedInput {
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const base = join(dir, `main-${lines}-s${seed}-v${GEN_VERSION}`);
  const logPath = `${base}.log`;
  const metaPath = `${base}.meta.json`;
  const topologyPath = join(dir, `topology-v${GEN_VERSION}.json`);
  writeFileSync(topologyPath, JSON.stringify(topologyObject(), null, 1));
  if (existsSync(logPath) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as CacheMeta;
    if (meta.version === GEN_VERSION && meta.lines === lines && meta.seed === seed && statSync(logPath).size === meta.bytes) {
      return { logPath, topologyPath, lines, bytes: meta.bytes, distinctClients: meta.distinctClients, cached: true, seconds: 0 };
    }
  }
  log(`generating ${lines} lines into ${logPath} ...`);
  const g = new LogGenerator(seed, lines);
  const tmp = `${logPath}.tmp`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    const batch: string[] = [];
    for (let i = 0; i < lines; i++) {
      batch.push(g.line(i));
      if (batch.length === 8192 || i === lines - 1) {
        const buf = Buffer.from(batch.join('\n') + '\n');
        writeSync(fd, buf);
        bytes += buf.length;
        batch.length = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, logPath);
  const distinctClients = g.distinctClients;
  const meta: CacheMeta = { version: GEN_VERSION, lines, seed, bytes, distinctClients };
  writeFileSync(metaPath, JSON.stringify(meta) + '\n');
  return { logPath, topologyPath, lines, bytes, distinctClients, cached: false, seconds: (performance.now() - t0) / 1000 };
}
