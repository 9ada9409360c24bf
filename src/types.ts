// The one record that flows through snatscope (ParsedLine, filled by the parser; RequestRow, the classified copy)
// and the small contracts between stages; the pipeline is drawn in docs/architecture.md.
//
// Parse and classify are synchronous, not pure: the parser fills one reused ParsedLine per call (no allocation per
// line beyond the field strings themselves); the store copies what it keeps.

export type AddressClass = 'node' | 'pod' | 'private' | 'external' | 'unknown';
export const CLASSES: readonly AddressClass[] = ['node', 'pod', 'private', 'external', 'unknown'];

/** Fields of one nginx access-log line, after envelope and nginx unescaping. Reused between lines. */
export interface ParsedLine {
  /** Request time, ms since epoch (envelope timestamp when present, else $time_local/$time_iso8601/$msec); NaN if none. */
  time: number;
  remoteAddr: string;
  /** The raw $request (decoded); '' for a bare CRLF. */
  request: string;
  /** Set when $request is an HTTP request line, else null. */
  method: string | null;
  target: string | null;
  protocol: string | null;
  status: number;
  bytes: number;
  referer: string | null;
  userAgent: string | null;
  /** $http_x_forwarded_for as logged, null for '-' or absent. */
  xff: string | null;
  /** $request_time in seconds, NaN when absent. */
  requestTime: number;
  upstreamAddr: string | null;
  /** From a `kubectl logs --prefix` envelope: attributes the line to that pod/container. */
  envPod: string | null;
  envContainer: string | null;
}

/** Why a line was not accepted as a request. Counted per source, a few samples kept. */
export type UnparsedReason =
  | 'format' // did not match the log format
  | 'envelope' // envelope broken (bad docker json, bad CRI prefix)
  | 'too-long' // longer than the maximum line length (cut and counted)
  | 'binary' // NUL bytes / not text
  | 'partial'; // CRI partial never completed

/** Result of classifying one remote address. Cached per distinct address: treat as immutable. */
export interface Classification {
  cls: AddressClass;
  /** For `node`: the node name. For `pod`: "namespace/name" of the source pod when known, else the node whose podCIDR holds it. */
  owner: string | null;
  /** Canonical form of the address (IPv4-mapped IPv6 unwrapped, IPv6 compressed), or the raw text for `unknown`. */
  addr: string;
}

/** A fully classified request, as the store receives it (copied out of the reused ParsedLine). */
export interface RequestRow {
  time: number;
  namespace: string;
  pod: string;
  container: string;
  nodeName: string | null;
  remoteAddr: string;
  cls: AddressClass;
  owner: string | null;
  /** Client recovered from X-Forwarded-For through trusted proxies (realip), or null. */
  client: string | null;
  /** Class of the recovered client (null when none). */
  clientCls: AddressClass | null;
  method: string | null;
  target: string | null;
  protocol: string | null;
  status: number;
  bytes: number;
  referer: string | null;
  userAgent: string | null;
  xff: string | null;
  requestTime: number;
  upstreamAddr: string | null;
}

/** A RequestRow to refill in place (hot paths that reuse one object), every field present in a fixed order. */
export function emptyRequestRow(): RequestRow {
  return {
    time: 0,
    namespace: '',
    pod: '',
    container: '',
    nodeName: null,
    remoteAddr: '',
    cls: 'unknown',
    owner: null,
    client: null,
    clientCls: null,
    method: null,
    target: null,
    protocol: null,
    status: 0,
    bytes: 0,
    referer: null,
    userAgent: null,
    xff: null,
    requestTime: 0,
    upstreamAddr: null,
  };
}
