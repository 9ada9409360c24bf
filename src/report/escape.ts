// Escaping for the report formats. Log text is hostile (pod names, user agents, addresses from headers): every
// cell goes through one of these. Control characters are first made visible (safeText), then the format's own
// special characters are neutralised.
import { safeText } from '../text.js';

const HTML_SPECIAL = /[&<>"']/g;
const HTML_MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content or a quoted attribute value. */
export function escapeHtml(s: string): string {
  return safeText(s).replace(HTML_SPECIAL, (c) => HTML_MAP[c]);
}

const MD_SPECIAL = /[\\`*_[\]<>|~&]/g;

/** Text for a Markdown table cell or paragraph: the inline-syntax characters backslash-escaped (CommonMark). */
export function escapeMarkdown(s: string): string {
  return safeText(s).replace(MD_SPECIAL, '\\$&');
}

const CSV_NEEDS_QUOTES = /[",\r\n]/;
const CSV_FORMULA = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field: quoted when it holds a comma, quote or line break (quotes doubled). A text cell starting
 * like a spreadsheet formula gets a leading apostrophe, so a hostile pod name cannot run in Excel; numbers are
 * passed as numbers and never touched.
 */
export function csvField(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const s = CSV_FORMULA.test(v) ? `'${v}` : v;
  return CSV_NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
