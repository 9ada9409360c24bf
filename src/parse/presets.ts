// The log formats snatscope knows by name, and resolving a --format value (auto, a preset, or a log_format).
import { UserError } from '../errors.js';
import { JsonLineParser, parseJsonFields, type JsonField } from './json.js';
import { compileLogFormat, type LineParser } from './logformat.js';

export type PresetName =
  | 'combined' | 'main' | 'upstreaminfo' | 'upstreaminfo-2019' | 'upstreaminfo-realip' | 'upstreaminfo-2017' | 'json';

/** `--json-field` overrides for the json preset (see parseJsonFields). */
export type JsonFields = Partial<Record<JsonField, string>>;

const COMBINED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

const THE_REAL_IP =
  '$the_real_ip - [$the_real_ip] - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

/** The log_format of each preset (json is a key mapper over escape=json lines, not a log_format). */
export const PRESET_FORMATS: Readonly<Record<Exclude<PresetName, 'json'>, string>> = {
  combined: COMBINED,
  // The official nginx image's `main`.
  main: `${COMBINED} "$http_x_forwarded_for"`,
  // ingress-nginx's default log-format-upstream.
  upstreaminfo:
    `${COMBINED} $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] ` +
    '$upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
  // Older ingress-nginx defaults print the address as `$the_real_ip - [$the_real_ip]`. 2019 releases (0.2x) added
  // [$proxy_alternative_upstream_name] (canary) before $upstream_addr; releases of late 2018 had $req_id without it;
  // 2017-2018 releases ended at $upstream_status.
  'upstreaminfo-2019': `${THE_REAL_IP} $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] ` +
    '$upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
  'upstreaminfo-realip': `${THE_REAL_IP} $request_length $request_time [$proxy_upstream_name] $upstream_addr ` +
    '$upstream_response_length $upstream_response_time $upstream_status $req_id',
  'upstreaminfo-2017': `${THE_REAL_IP} $request_length $request_time [$proxy_upstream_name] $upstream_addr ` +
    '$upstream_response_length $upstream_response_time $upstream_status',
};

export const PRESET_NAMES: readonly PresetName[] = [
  'combined', 'main', 'upstreaminfo', 'upstreaminfo-2019', 'upstreaminfo-realip', 'upstreaminfo-2017', 'json',
];

/**
 * Order in which --format auto tries the presets: most specific first (a looser layout can take a stricter one's
 * line with fields in the wrong columns, e.g. upstreaminfo-realip takes a 2019 line's `[alt-upstream]` as the
 * upstream address).
 */
export const AUTO_ORDER: readonly PresetName[] = [
  'upstreaminfo-2019', 'upstreaminfo-realip', 'upstreaminfo-2017', 'upstreaminfo', 'main', 'json', 'combined',
];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** A new parser for a preset (each has its own small caches, so one per source). */
export function createPreset(name: PresetName, jsonFields?: JsonFields): LineParser {
  return name === 'json' ? new JsonLineParser(jsonFields) : compileLogFormat(PRESET_FORMATS[name], { name });
}

/**
 * --format and --json-field as given: the json key overrides (UserError for a malformed one, or for --json-field
 * with a format that is neither auto nor json).
 */
export function checkFormatFlags(format: string, jsonField: readonly string[] = []): JsonFields {
  resolveFormat(format);
  if (jsonField.length === 0) return {};
  const f = format.trim();
  if (f !== 'auto' && f !== 'json') {
    throw new UserError(`--json-field applies to JSON logs, not --format ${f.length > 40 ? `${f.slice(0, 40)}...` : f}`, '--format json (or auto) with --json-field, or drop --json-field');
  }
  return parseJsonFields(jsonField);
}

/** A --format value: 'auto', a preset name (a new parser), or a log_format string (anything with a `$`). */
export function resolveFormat(spec: string, jsonFields?: JsonFields): LineParser | 'auto' {
  const s = spec.trim();
  if (s === 'auto') return 'auto';
  if (isPresetName(s)) return createPreset(s, jsonFields);
  if (s.includes('$')) return compileLogFormat(s);
  throw new UserError(`unknown format "${spec}"`, `--format auto, ${PRESET_NAMES.join(', ')}, or a log_format string such as '${COMBINED}'`);
}
