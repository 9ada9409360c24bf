// The one record that flows through snatscope (ParsedLine, filled by the parser; RequestRow, the classified copy)
// and the small contracts between stages; the pipeline is drawn in docs/architecture.md.
//
// Parse and classify are synchronous, not pure: the parser fills one reused ParsedLine per call (no allocation per
// line beyond the field strings themselves); the store copies what it keeps.

export { CLASSES, type AddressClass } from './classes.js';
export { emptyRequestRow, type ParsedLine, type RequestRow } from './fields.js';
import type { AddressClass } from './classes.js';

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
