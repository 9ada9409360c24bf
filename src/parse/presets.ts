// The log formats snatscope knows by name, and resolving a --format value (auto, a preset, or a log_format).
import { UserError } from '../errors.js';
import { JsonLineParser } from './json.js';
import { compileLogFormat, type LineParser } from './logformat.js';

export type PresetName = 'combined' | 'main' | 'upstreaminfo' | 'upstreaminfo-realip' | 'json';

const COMBINED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

/** The log_format of each preset (json is a key mapper over escape=json lines, not a log_format). */
export const PRESET_FORMATS: Readonly<Record<Exclude<PresetName, 'json'>, string>> = {
  combined: COMBINED,
  // The official nginx image's `main`.
  main: `${COMBINED} "$http_x_forwarded_for"`,
  // ingress-nginx's default log-format-upstream.
  upstreaminfo:
    `${COMBINED} $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] ` +
    '$upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
  // Older ingress-nginx releases (before $proxy_alternative_upstream_name): the address is $the_real_ip.
  'upstreaminfo-realip':
    '$the_real_ip - [$the_real_ip] - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" ' +
    '"$http_user_agent" $request_length $request_time [$proxy_upstream_name] $upstream_addr ' +
    '$upstream_response_length $upstream_response_time $upstream_status $req_id',
};

export const PRESET_NAMES: readonly PresetName[] = ['combined', 'main', 'upstreaminfo', 'upstreaminfo-realip', 'json'];

/** Order in which --format auto tries the presets: most specific first. */
export const AUTO_ORDER: readonly PresetName[] = ['upstreaminfo-realip', 'upstreaminfo', 'main', 'json', 'combined'];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** A new parser for a preset (each has its own small caches, so one per source). */
export function createPreset(name: PresetName): LineParser {
  return name === 'json' ? new JsonLineParser() : compileLogFormat(PRESET_FORMATS[name], { name });
}

/** A --format value: 'auto', a preset name (a new parser), or a log_format string (anything with a `$`). */
export function resolveFormat(spec: string): LineParser | 'auto' {
  const s = spec.trim();
  if (s === 'auto') return 'auto';
  if (isPresetName(s)) return createPreset(s);
  if (s.includes('$')) return compileLogFormat(s);
  throw new UserError(`unknown format "${spec}"`, `--format auto, ${PRESET_NAMES.join(', ')}, or a log_format string such as '${COMBINED}'`);
}
