// Compiles an nginx `log_format` into a line parser. The format becomes literals and variables, and for each
// variable a way to find where its value ends with one indexOf (no regex per line); codegen.ts turns that plan
// into one straight-line parse function per format. nginx's
// escaping makes that safe: under the default escaping a value never contains a raw '"', so a quoted value ends at
// the next '"'; under escape=json an escaped \" is skipped. Values that never contain spaces (addresses, numbers,
// times) end at the next space; $time_local is always 26 characters; $upstream_* and $http_x_forwarded_for lists
// keep their ", " and " : " separators. Known variables fill the ParsedLine; any other variable is skipped.
import { UserError } from '../errors.js';
import type { ParsedLine } from '../types.js';
import {
  generateParser, S_CHAR, S_FIXED, S_LIST, S_LIT, S_QUOTE, S_REST, V_ADDR, V_BYTES, V_METHOD, V_MSEC, V_PROTOCOL,
  V_REFERER, V_REQUEST, V_RTIME, V_SKIP, V_STATUS, V_TARGET, V_TIME_ISO, V_TIME_LOCAL, V_UA, V_UPSTREAM, V_XFF, V_PROXY_PROTOCOL,
  type ParseFn,
} from './codegen.js';
import type { EscapeMode } from './escape.js';

/** One format's parser. `parse` fills `out` (reset first) from text[start..] and says whether the line matched. */
export interface LineParser {
  readonly name: string;
  parse(text: string, out: ParsedLine, start?: number): boolean;
}

export interface LogFormatOptions {
  escape?: EscapeMode;
  name?: string;
}

/** Known variables. Several names may fill one field; the first in each list that the format uses wins. */
const FIELDS: ReadonlyArray<[code: number, names: readonly string[]]> = [
  // The peer nginx saw before realip rewrote it is the SNAT'd address snatscope is after.
  [V_ADDR, ['realip_remote_addr', 'remote_addr', 'the_real_ip']],
  [V_TIME_LOCAL, ['time_local']],
  [V_TIME_ISO, ['time_iso8601']],
  [V_MSEC, ['msec']],
  [V_REQUEST, ['request']],
  [V_METHOD, ['request_method']],
  [V_TARGET, ['request_uri', 'uri', 'document_uri']],
  [V_PROTOCOL, ['server_protocol']],
  [V_STATUS, ['status']],
  [V_BYTES, ['body_bytes_sent', 'bytes_sent']],
  [V_REFERER, ['http_referer']],
  [V_UA, ['http_user_agent']],
  [V_XFF, ['http_x_forwarded_for']],
  [V_RTIME, ['request_time']],
  [V_UPSTREAM, ['upstream_addr']],
  // PROXY protocol: recovered like a trusted X-Forwarded-For hop (stored as xff's last hop, see codegen).
  [V_PROXY_PROTOCOL, ['proxy_protocol_addr']],
];

/** Values that never contain a space or a quote. */
const TOKEN_VALUE = new Set([V_ADDR, V_TIME_ISO, V_MSEC, V_METHOD, V_PROTOCOL, V_STATUS, V_BYTES, V_RTIME, V_PROXY_PROTOCOL]);
/** Characters that end a token value when they start the next literal. */
const TOKEN_STOP = ' "\'[]{}(),;|\t<>';

const FORMAT_HINT = `a log_format like '$remote_addr - $remote_user [$time_local] "$request" $status ...' or a preset`;

// ---------------------------------------------------------------------------------------------------------------
// Reading the format text as a user has it in nginx.conf.

interface Token { text: string; quoted: boolean; newlineBefore: boolean }

/** nginx.conf tokens: bare words and '…' / "…" strings (with \" \' \\ \n \r \t), up to an optional ';'. */
function tokenize(t: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let newline = false;
  while (i < t.length) {
    const c = t[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') { if (c === '\n') newline = true; i++; continue; }
    if (c === ';') {
      if (t.slice(i + 1).trim() !== '') throw new UserError('log_format has text after its closing ";"', FORMAT_HINT);
      break;
    }
    if (c === '"' || c === "'") {
      let v = '';
      let j = i + 1;
      for (;; j++) {
        if (j >= t.length) {
          throw new UserError(`log_format has an unterminated ${c} quote`, `closing the quote that starts at "${t.slice(i, i + 20)}"`);
        }
        const d = t[j];
        if (d === c) break;
        if (d === '\\' && j + 1 < t.length) {
          const e = t[j + 1];
          if (e === '"' || e === "'" || e === '\\') { v += e; j++; continue; }
          if (e === 'n') { v += '\n'; j++; continue; }
          if (e === 'r') { v += '\r'; j++; continue; }
          if (e === 't') { v += '\t'; j++; continue; }
        }
        v += d;
      }
      tokens.push({ text: v, quoted: true, newlineBefore: newline });
      i = j + 1;
    } else {
      let j = i;
      while (j < t.length && !' \t\r\n;'.includes(t[j])) j++;
      tokens.push({ text: t.slice(i, j), quoted: false, newlineBefore: newline });
      i = j;
    }
    newline = false;
  }
  return tokens;
}

interface FormatText { format: string; name: string | null; escape: EscapeMode | null }

function readFormatText(text: string): FormatText {
  const t = text.trim();
  if (t === '') throw new UserError('log_format is empty', FORMAT_HINT);
  if (/^log_format\s/.test(t)) {
    const tokens = tokenize(t);
    const name = tokens[1]?.text ?? null;
    let k = 2;
    let escape: EscapeMode | null = null;
    if (tokens[k] && !tokens[k].quoted && tokens[k].text.startsWith('escape=')) {
      const e = tokens[k].text.slice(7);
      if (e !== 'default' && e !== 'json' && e !== 'none') {
        throw new UserError(`log_format ${name} has an unknown escape=${e}`, 'escape=default, escape=json or escape=none');
      }
      escape = e;
      k++;
    }
    const format = tokens.slice(k).map((x) => x.text).join('');
    if (format === '') throw new UserError(`log_format ${name ?? ''} has no format string`, FORMAT_HINT);
    return { format, name, escape };
  }
  if (t[0] === "'") return { format: tokenize(t).map((x) => x.text).join(''), name: null, escape: null };
  if (t[0] === '"') {
    // Quoted pieces as in nginx.conf ("…" "…";), or a raw format that merely starts with a quote ("$request" …).
    let tokens: Token[] | null = null;
    try { tokens = tokenize(t); } catch { tokens = null; }
    if (tokens && tokens.every((x) => x.quoted) &&
        (tokens.length === 1 || t.endsWith(';') || tokens.slice(1).every((x) => x.newlineBefore))) {
      return { format: tokens.map((x) => x.text).join(''), name: null, escape: null };
    }
    if (tokens === null && (t.split('"').length - 1) % 2 === 1) tokenize(t); // odd quotes: report the unterminated one
  }
  return { format: t, name: null, escape: null };
}

// ---------------------------------------------------------------------------------------------------------------
// Compiling.

interface Segment { lit: string; name: string | null }

/** Literal/variable pieces: `$name` and `${name}`; a `$` not followed by a name is literal. */
function segments(format: string): Segment[] {
  const out: Segment[] = [];
  let lit = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '$') { lit += c; continue; }
    let name = '';
    let j = i + 1;
    if (format[j] === '{') {
      const close = format.indexOf('}', j);
      if (close === -1) throw new UserError(`log_format has an unterminated "\${" at "${format.slice(i, i + 20)}"`, FORMAT_HINT);
      name = format.slice(j + 1, close);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new UserError(`log_format has a bad variable "\${${name}}"`, FORMAT_HINT);
      j = close + 1;
    } else {
      while (j < format.length && /[A-Za-z0-9_]/.test(format[j])) name += format[j++];
      if (name === '') { lit += c; continue; }
    }
    out.push({ lit, name });
    lit = '';
    i = j - 1;
  }
  out.push({ lit, name: null });
  return out;
}

/** The format's parser. Everything is decided here, once; parse() only walks typed arrays. */
class CompiledFormat implements LineParser {
  readonly name: string;
  readonly escape: EscapeMode;
  /** The format as nginx sees it (quotes removed, pieces joined). */
  readonly format: string;
  /** Names of the variables in order, as written. */
  readonly variables: readonly string[];
  readonly parse: ParseFn;

  constructor(text: string, opts: LogFormatOptions) {
    const read = readFormatText(text);
    this.name = opts.name ?? read.name ?? 'custom';
    this.escape = opts.escape ?? read.escape ?? 'default';
    this.format = read.format;
    const segs = segments(read.format);
    const vars: string[] = [];
    const lits: string[] = [];
    for (let i = 0; i < segs.length - 1; i++) {
      vars.push(segs[i].name!);
      lits.push(segs[i + 1].lit);
    }
    this.variables = vars;
    if (vars.length === 0) throw new UserError(`log_format ${this.name} has no variables`, FORMAT_HINT);

    // Which variable fills which field: the first listed name the format uses, at its first occurrence.
    const codes = new Uint8Array(vars.length);
    for (const [code, names] of FIELDS) {
      const name = names.find((n) => vars.includes(n));
      if (name !== undefined) codes[vars.indexOf(name)] = code;
    }
    if (!codes.includes(V_ADDR)) {
      throw new UserError(`log_format ${this.name} has no $remote_addr`, 'adding $remote_addr to the log_format: snatscope classifies the address nginx saw');
    }
    const hasRequest = codes.includes(V_REQUEST);
    if (hasRequest) for (let i = 0; i < codes.length; i++) if (codes[i] >= V_METHOD && codes[i] <= V_PROTOCOL) codes[i] = V_SKIP;
    const composeRequest = !hasRequest && codes.includes(V_METHOD) && codes.includes(V_TARGET);

    // How each value's end is found.
    const modes = new Uint8Array(vars.length);
    for (let i = 0; i < vars.length; i++) {
      const lit = lits[i];
      const code = codes[i];
      const list = code === V_UPSTREAM || code === V_XFF || vars[i].startsWith('upstream_');
      let mode = S_LIT;
      if (code === V_TIME_LOCAL) mode = S_FIXED;
      else if (lit === '') {
        if (i < vars.length - 1) {
          const a = vars[i], b = vars[i + 1];
          throw new UserError(`log_format ${this.name} has $${a} and $${b} with nothing between them`, `a separator between $${a} and $${b}: a log line cannot be split there`);
        }
        mode = S_REST;
      } else if (lit[0] === '"' && this.escape !== 'none') mode = S_QUOTE;
      else if (TOKEN_VALUE.has(code) && TOKEN_STOP.includes(lit[0])) mode = S_CHAR;
      else if (list && lit[0] === ' ') mode = S_LIST;
      modes[i] = mode;
    }
    this.parse = generateParser({ escape: this.escape, lead: segs[0].lit, lits, codes, modes, composeRequest });
  }
}

/** Compiles an nginx log_format (the text from nginx.conf: quoted pieces, `log_format name …;` or bare). */
export function compileLogFormat(text: string, opts: LogFormatOptions = {}): LineParser & {
  readonly escape: EscapeMode; readonly format: string; readonly variables: readonly string[];
} {
  return new CompiledFormat(text, opts);
}
