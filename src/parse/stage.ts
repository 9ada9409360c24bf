// The line stage: one per source. Takes raw lines, removes the envelope (detected from the first line), parses the
// nginx line with the source's format (with --format auto: the first preset, most specific first, that parses a
// line fixes it for the source) and returns the one reused ParsedLine. A bad line is never thrown: push() returns
// null and lastReason says why ('format', 'envelope', 'too-long', 'binary'; null when the line was consumed, e.g.
// a CRI partial waiting for its end).
import type { ParsedLine, UnparsedReason } from '../types.js';
import { Envelope, detectEnvelope, UNWRAP_BAD, UNWRAP_CONSUMED, UNWRAP_TOO_LONG, type EnvelopeName } from './envelope.js';
import { newParsedLine } from './line.js';
import type { LineParser } from './logformat.js';
import { AUTO_ORDER, createPreset, resolveFormat, type JsonFields } from './presets.js';

export interface LineStageOptions {
  /** 'auto', a preset name or a log_format string. */
  format: string;
  /** Longer lines are 'too-long' (default 65536). */
  maxLineLength?: number;
  /** `--json-field` key overrides for the json preset. */
  jsonFields?: JsonFields;
}

export class LineStage {
  /** Why the last push() returned null (null: the line was consumed, or it was accepted). */
  lastReason: UnparsedReason | null = null;
  private readonly out: ParsedLine = newParsedLine();
  private readonly maxLineLength: number;
  private env: Envelope | null = null;
  private parser: LineParser | null;
  private candidates: LineParser[] | null;

  /** Throws UserError for an unknown format name or a malformed log_format. */
  constructor(opts: LineStageOptions) {
    this.maxLineLength = opts.maxLineLength ?? 65536;
    const p = resolveFormat(opts.format, opts.jsonFields);
    if (p === 'auto') {
      this.parser = null;
      this.candidates = AUTO_ORDER.map((name) => createPreset(name, opts.jsonFields));
    } else {
      this.parser = p;
      this.candidates = null;
    }
  }

  /** The envelope detected from the first line; null before any line. */
  get envelope(): EnvelopeName | null {
    return this.env === null ? null : this.env.name;
  }

  /** The format's name (a preset, a log_format's name, or 'custom'); null while auto has not found one. */
  get format(): string | null {
    return this.parser === null ? null : this.parser.name;
  }

  /** "format main, envelope kubectl-timestamps". */
  describe(): string {
    return `format ${this.format ?? 'not detected yet'}, envelope ${this.envelope ?? 'not detected yet'}`;
  }

  push(raw: string): ParsedLine | null {
    this.lastReason = null;
    if (raw.length > this.maxLineLength) return this.reject('too-long');
    if (raw.charCodeAt(raw.length - 1) === 13) raw = raw.slice(0, -1);
    if (raw.indexOf('\0') !== -1) return this.reject('binary');
    let env = this.env;
    if (env === null) {
      if (raw.length === 0) return this.reject('format');
      env = this.env = new Envelope(detectEnvelope(raw), this.maxLineLength);
    }
    const k = env.unwrap(raw);
    if (k !== 0) {
      if (k === UNWRAP_CONSUMED) return null;
      return this.reject(k === UNWRAP_BAD ? 'envelope' : k === UNWRAP_TOO_LONG ? 'too-long' : 'format');
    }
    const text = env.text, start = env.start, out = this.out;
    if (this.parser !== null) {
      if (!this.parser.parse(text, out, start)) return this.reject('format');
    } else if (!this.detect(text, start)) return this.reject('format');
    if (env.time === env.time) out.time = env.time;
    out.envPod = env.pod;
    out.envContainer = env.container;
    return out;
  }

  /**
   * End of the source: a partial line that never got its end is dropped; returns 'partial' (also in lastReason)
   * when that happened, else null.
   */
  end(): UnparsedReason | null {
    this.lastReason = this.env !== null && this.env.end() > 0 ? 'partial' : null;
    return this.lastReason;
  }

  private detect(text: string, start: number): boolean {
    const cands = this.candidates!;
    for (let i = 0; i < cands.length; i++) {
      if (cands[i].parse(text, this.out, start)) {
        this.parser = cands[i];
        this.candidates = null;
        return true;
      }
    }
    return false;
  }

  private reject(reason: UnparsedReason): null {
    this.lastReason = reason;
    return null;
  }
}
