// kubectl's boolean flags take `--flag=true` / `--flag=false` (`--follow=false` is how many scripts say --no-follow);
// commander's booleans take no value, so those spellings are rewritten before parsing. Only the flags listed here,
// and nothing after `--`.
const BOOLEAN_FLAGS = ['follow', 'timestamps', 'prefix', 'all-containers', 'previous', 'all-namespaces', 'quiet'];
/** Flags that have a --no-FLAG form: --FLAG=false becomes it; for the others --FLAG=false is the default, dropped. */
const NEGATABLE = new Set(['follow']);

export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [...out, ...argv.slice(i)];
    const m = /^--([a-z-]+)=(true|false)$/i.exec(a);
    if (!m || !BOOLEAN_FLAGS.includes(m[1])) {
      out.push(a);
      continue;
    }
    if (m[2].toLowerCase() === 'true') out.push(`--${m[1]}`);
    else if (NEGATABLE.has(m[1])) out.push(`--no-${m[1]}`);
  }
  return out;
}
