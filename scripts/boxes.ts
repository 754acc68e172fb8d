/**
 * The boxes of src/ and the imports between them (design §2: each box is a folder under src/
 * with one public entry file, index.ts; arrows between boxes are the only imports between them).
 *
 * `crossBoxBypasses(src)`: every relative import, `export ... from`, `import()` and `require()`
 * of a file in one top-level folder of src/ that reaches into another folder at a file other
 * than that folder's index.ts (type-only imports included: they say the same about the layout).
 * `runtimeCycles(dist)`: the import cycles the compiled CommonJS (a folder of .js files built
 * from src/) runs into: tsc drops imports used only as types, so these are the real ones; a
 * `require` inside a function counts too.
 *
 * Run alone (after `npm run build`): `npx ts-node --transpile-only scripts/boxes.ts` prints both
 * lists (exit 1 when a list is not empty). tests/boxes.test.ts holds them against the known exceptions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Bypass {
  /** The importing file, relative to src/ with forward slashes. */
  file: string;
  line: number;
  /** The import specifier as written. */
  spec: string;
}

function filesOf(dir: string, ext: '.ts' | '.js'): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

const rel = (src: string, f: string): string => path.relative(src, f).split(path.sep).join('/');

/** The top-level folder of src/ a path lies in ('' for a file directly in src/). */
function boxOf(src: string, p: string): string {
  const parts = rel(src, p).split('/');
  return parts.length > 1 ? parts[0]! : '';
}

const SPEC = /(?:^|[^\w.])(?:import|export)\s[^'";]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/g;

export function crossBoxBypasses(src: string): Bypass[] {
  const out: Bypass[] = [];
  for (const f of filesOf(src, '.ts')) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(SPEC)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(f), spec);
      const box = boxOf(src, target + '.ts');
      if (box === '' || box === boxOf(src, f)) continue;
      const inBox = rel(path.join(src, box), target);
      if (inBox === '' || inBox === 'index') continue;
      out.push({ file: rel(src, f), line: text.slice(0, m.index + 1).split('\n').length, spec });
    }
  }
  return out;
}

function resolveModule(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base + '.js', path.join(base, 'index.js')]) if (fs.existsSync(c)) return c;
  return null;
}

/** Each cycle as its files (relative to `dist`, sorted), the cycles sorted. */
export function runtimeCycles(dist: string): string[][] {
  const graph = new Map<string, string[]>();
  for (const f of filesOf(dist, '.js')) {
    const deps: string[] = [];
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/require\((["'])(\.[^"']+)\1\)/g)) {
      const r = resolveModule(f, m[2]!);
      if (r) deps.push(r);
    }
    graph.set(f, deps);
  }
  // Tarjan's strongly connected components: every component of more than one file is a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(rel(dist, w));
      } while (w !== v);
      if (c.length > 1) cycles.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => a.join().localeCompare(b.join()));
}

if (require.main === module) {
  const src = path.resolve(__dirname, '..', 'src');
  const b = crossBoxBypasses(src);
  const c = runtimeCycles(path.resolve(__dirname, '..', 'dist'));
  for (const x of b) console.log(`bypass: src/${x.file}:${x.line}: '${x.spec}'`);
  for (const x of c) console.log(`cycle: ${x.join(' ')}`);
  process.exit(b.length + c.length > 0 ? 1 : 0);
}
