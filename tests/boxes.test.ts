/**
 * The boxes of src/ are entered through their index.ts (design §2), and the compiled code has no
 * import cycle beyond the known one. scripts/boxes.ts finds both; this file holds them against
 * the exceptions below, each with its reason. A new bypass fails (import from the box's index.ts,
 * re-exporting there what is missing); an exception that no longer occurs fails too (delete it
 * here), so the list only shrinks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as ts from 'typescript';
import { crossBoxBypasses, runtimeCycles } from '../scripts/boxes';
import { cliPackage } from './cli-spawn';

const SRC = path.resolve(__dirname, '..', 'src');

/** study/index.ts imports ../report, and squeeze.ts imports study/index.ts: through the index these would be cycles. */
const NO_REEXPORT = 'a re-export in study/index.ts would close a cycle (study imports report; squeeze imports study/index)';

/** `file -> spec` (file relative to src/) of the bypasses known to remain, with the reason. */
const KNOWN: Record<string, string> = {
  'cli/squeeze.ts -> ../study/squeeze': NO_REEXPORT,
  'report/json.ts -> ../study/tight': NO_REEXPORT,
  'report/table.ts -> ../study/tight': NO_REEXPORT,
  'report/squeeze.ts -> ../study/squeeze': NO_REEXPORT,
  'report/squeeze-svg.ts -> ../study/squeeze': NO_REEXPORT,
  // alloc/index.ts loads ../wasm lazily (a C allocator's factory): wasm importing alloc/index.ts
  // would close a cycle; it takes the contract from alloc/types.ts.
  'wasm/runtime.ts -> ../alloc/types': 'alloc/index.ts requires ../wasm: through the index it would be a cycle',
};

/** Known cycles (compiled files, sorted), with the reason. */
const KNOWN_CYCLES: Record<string, string> = {};

test('every import from another box of src/ goes through its index.ts (known exceptions listed)', () => {
  const found = new Map<string, string[]>();
  for (const b of crossBoxBypasses(SRC)) {
    const k = `${b.file} -> ${b.spec}`;
    found.set(k, [...(found.get(k) ?? []), `src/${b.file}:${b.line}`]);
  }
  const added = [...found.keys()].filter((k) => !(k in KNOWN)).map((k) => `${found.get(k)!.join(', ')}: '${k.split(' -> ')[1]}'`);
  const gone = Object.keys(KNOWN).filter((k) => !found.has(k));
  assert.equal(added, [], `imports bypass another box's index.ts (import from the box, re-export there):\n${added.join('\n')}`);
  assert.equal(gone, [], `no longer bypassing: delete from KNOWN in tests/boxes.test.ts:\n${gone.join('\n')}`);
});

test('the compiled modules import in no cycle but the known one', () => {
  // src/ compiled once per test process for the CLI tests (tests/cli-spawn.ts): imports used only
  // as types are gone there, as in dist/.
  const cycles = runtimeCycles(path.join(cliPackage(), 'dist')).map((c) => c.join(' '));
  assert.equal(cycles.filter((c) => !(c in KNOWN_CYCLES)), [], 'new import cycle');
  assert.equal(Object.keys(KNOWN_CYCLES).filter((c) => !cycles.includes(c)), [], 'cycle gone: delete it from KNOWN_CYCLES');
});

test('the checker finds a bypass, its line, and a cycle in a small tree (and passes the index and type-only imports it should)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-boxes-'));
  try {
    const put = (f: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    };
    put('a/index.ts', "export * from './types';\nexport { f } from './impl';\n");
    put('a/types.ts', 'export interface T { n: number }\n');
    put('a/impl.ts', "import { g } from '../b';\nexport const f = (): number => g();\n");
    put('b/index.ts', "export { g } from './g';\n");
    put('b/g.ts', "import type { T } from '../a';\nimport { f } from '../a/impl';\nexport const g = (): number => 1;\nexport const h = (t: T): number => t.n + f();\n");
    put('top.ts', "import { f } from './a';\nimport { g } from './b/g';\nexport const x = f() + g();\n");
    assert.equal(crossBoxBypasses(dir), [
      { file: 'b/g.ts', line: 2, spec: '../a/impl' },
      { file: 'top.ts', line: 2, spec: './b/g' },
    ]);
    // Compiled: a/impl -> b/index -> b/g -> a/impl; the type-only import of ../a adds no edge,
    // the lazy require in c.ts one to a/index (no cycle: nothing requires c).
    put('c.ts', "export function load(): unknown { return require('./a'); }\n");
    const out = path.join(dir, 'out');
    for (const f of ['a/index.ts', 'a/types.ts', 'a/impl.ts', 'b/index.ts', 'b/g.ts', 'top.ts', 'c.ts']) {
      const js = ts.transpileModule(fs.readFileSync(path.join(dir, f), 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
      put(path.join('out', f.replace(/\.ts$/, '.js')), js);
    }
    assert.equal(runtimeCycles(out), [['a/impl.js', 'b/g.js', 'b/index.js']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
