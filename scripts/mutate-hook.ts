/**
 * Preloaded (`node -r`) into every test process scripts/mutate.ts starts, and inherited by the
 * worker threads those tests start (Node passes -r on through execArgv). It replaces ts-node:
 * - every .ts file is loaded from JavaScript transpiled once by the parent (MUTATE_CACHE, a JSON
 *   map of absolute path to JavaScript), so a mutant run pays no TypeScript start-up;
 * - the mutated file (MUTATE_TARGET) is loaded from MUTATE_JS instead: the mutant lives only in
 *   that process, the repository is never copied or edited;
 * - `require('ts-node/register')` (the job pool's worker shim) becomes a no-op;
 * - with MUTATE_RECORD set, every .ts file loaded is appended to that file (the baseline run
 *   learns which source files each test file really executes, worker threads included).
 * Files missing from the cache (none in practice) are transpiled here with the same options.
 */
import * as fs from 'node:fs';
import Module = require('node:module');

type Loader = (m: NodeJS.Module & { _compile(code: string, file: string): void }, file: string) => void;

const env = process.env;
const cache: Record<string, string> = env.MUTATE_CACHE ? (JSON.parse(fs.readFileSync(env.MUTATE_CACHE, 'utf8')) as Record<string, string>) : {};
const target = env.MUTATE_TARGET;
const mutated = target && env.MUTATE_JS ? fs.readFileSync(env.MUTATE_JS, 'utf8') : undefined;
const record = env.MUTATE_RECORD;

function transpile(file: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  return ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
  }).outputText;
}

const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
extensions['.ts'] = (m, file) => {
  if (record) fs.appendFileSync(record, `${file}\n`);
  m._compile(file === target && mutated !== undefined ? mutated : (cache[file] ?? transpile(file)), file);
};

// The job pool's worker shim registers ts-node before loading worker.ts: make that a no-op.
const root = env.MUTATE_ROOT ?? process.cwd();
try {
  const p = require.resolve('ts-node/register', { paths: [root] });
  const fake = new Module(p);
  fake.filename = p;
  fake.loaded = true;
  fake.exports = {};
  (require.cache as Record<string, NodeJS.Module>)[p] = fake as unknown as NodeJS.Module;
} catch {
  /* ts-node not installed: nothing to neutralise */
}
