// The import layering of src/, ui/ and db/, defined here once: a module imports only from its own layer or from the
// layers below it, and no chain of imports (type-only ones included) leads back to where it started. A new file or
// folder must be placed in a layer before this test passes. docs/architecture.md describes the order.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Top to bottom. A path ending in "/" is a folder (with everything under it), otherwise one file (without extension). */
const LAYERS: readonly { name: string; paths: readonly string[] }[] = [
  { name: 'commands', paths: ['src/cli', 'src/commands/'] },
  // The runs the commands start: a watch run wires sources, pipeline, store and a view; the demo run adds a
  // simulated cluster (src/emulator) under a watch run; an ingest run reads files or stdin into the store; an agent
  // run reads a node's kubelet files (src/sources/crifiles) with watch's lifecycle.
  { name: 'runs', paths: ['src/watch/', 'src/demo/', 'src/ingest/', 'src/agent/'] },
  { name: 'views', paths: ['ui/', 'src/output/', 'src/metrics/'] },
  { name: 'live/report', paths: ['src/live/', 'src/report/'] },
  // What feeds the pipeline: Kubernetes log streams and topology, files and stdin, the parse worker.
  { name: 'sources', paths: ['src/kube/', 'src/sources/', 'src/parallel/'] },
  { name: 'pipeline', paths: ['src/pipeline', 'src/source-feed'] },
  { name: 'parse/classify', paths: ['src/parse/', 'src/classify/'] },
  { name: 'db', paths: ['db/'] },
  // The Kubernetes API emulator stands alone (only the demo and the tests use it).
  { name: 'emulator', paths: ['src/emulator/'] },
  { name: 'foundation', paths: ['src/errors', 'src/types', 'src/classes', 'src/fields', 'src/time', 'src/text', 'src/shutdown', 'src/version'] },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** "src/kube/pods.ts" -> "src/kube/pods". */
const moduleId = (file: string) => file.replace(/\.tsx?$/, '');

function layerOf(id: string): number {
  return LAYERS.findIndex((l) => l.paths.some((p) => (p.endsWith('/') ? id.startsWith(p) : id === p)));
}

const files = ['src', 'ui', 'db'].flatMap(sourceFiles);
const ids = new Set(files.map(moduleId));

/** Every relative import of every file (static, export-from, dynamic and `typeof import`), as module ids. */
const graph = new Map<string, string[]>(
  files.map((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.'));
    const targets = specs.map((s) => relative(ROOT, normalize(join(ROOT, dirname(file), s))).replace(/\.js$/, ''));
    return [moduleId(file), targets];
  }),
);

describe('import layering', () => {
  it('places every source file in a layer', () => {
    expect([...ids].filter((id) => layerOf(id) < 0)).toEqual([]);
  });

  it('resolves every relative import to a source file', () => {
    const missing = [...graph].flatMap(([from, tos]) => tos.filter((to) => !ids.has(to)).map((to) => `${from} -> ${to}`));
    expect(missing).toEqual([]);
  });

  it('imports nothing from a higher layer', () => {
    const upward = [...graph].flatMap(([from, tos]) =>
      tos
        .filter((to) => ids.has(to) && layerOf(to) < layerOf(from))
        .map((to) => `${from} (${LAYERS[layerOf(from)].name}) -> ${to} (${LAYERS[layerOf(to)].name})`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    // Depth-first search; a back edge to a module on the current path is a cycle, reported as that path.
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const cycles: string[] = [];
    const visit = (id: string) => {
      state.set(id, 'open');
      path.push(id);
      for (const to of graph.get(id) ?? []) {
        if (!ids.has(to)) continue;
        const s = state.get(to);
        if (s === 'open') cycles.push([...path.slice(path.indexOf(to)), to].join(' -> '));
        else if (s === undefined) visit(to);
      }
      path.pop();
      state.set(id, 'done');
    };
    for (const id of [...ids].sort()) if (!state.has(id)) visit(id);
    expect(cycles).toEqual([]);
  });
});

describe('the layering check itself', () => {
  it('sees dynamic and type-only imports, not commented-out ones', () => {
    const text = "import type { A } from './a.js';\n// import b from './b.js';\ntype T = typeof import('./c.js');\nawait import('./d.js');\n";
    expect(ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)).toEqual(['./a.js', './c.js', './d.js']);
  });

  it('puts a lower layer below a higher one', () => {
    expect(layerOf('src/commands/watch')).toBeLessThan(layerOf('src/watch/run'));
    expect(layerOf('ui/run')).toBeLessThan(layerOf('src/live/feed'));
    expect(layerOf('src/pipeline')).toBeLessThan(layerOf('db/store'));
    expect(layerOf('db/store')).toBeLessThan(layerOf('src/text'));
    expect(layerOf('src/pipelines')).toBe(-1);
  });
});

describe('docs/architecture.md', () => {
  it('shows the layers in this order', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const table = LAYERS.map((l) => `| ${l.name} | ${l.paths.map((p) => (p.endsWith('/') ? p : `${p}.ts`)).join(', ')} |`).join('\n');
    expect(doc).toContain(`| layer | modules |\n| --- | --- |\n${table}\n`);
  });
});
