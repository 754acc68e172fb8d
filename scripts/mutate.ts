/**
 * Mutation testing (issue 15 item 8), `make mutate`: does the test suite notice when the code
 * under src/alloc, src/sim and src/metrics is changed in one small place?
 *
 * Stryker's command runner would rerun the whole suite (minutes) per mutant; this script is
 * the equivalent the issue allows, built for a shared 2-core machine.
 *
 * Mutants (the population the score is about) are single changes found with the TypeScript
 * parser, following Stryker's default operators where they apply to this code:
 * - arithmetic  + <-> -, * <-> /, % -> *      (not when an operand is a string: messages)
 * - equality    < -> <= and >=, <= -> < and >, > -> >= and <=, >= -> > and <, === <-> !==,
 *               == <-> !=
 * - logical     && <-> ||, ?? -> &&
 * - assignment  += <-> -=, *= <-> /=, <<= <-> >>=, &= <-> |=, ??= -> &&=
 * - update      ++ <-> --;  unary -x -> +x, ~x -> x, !x -> x;  boolean literals true <-> false
 * - condition   the test of an if or ?: -> true and -> false; of a while/for/do -> false
 * - statement   an expression statement (a call, an assignment, ++) removed
 * Code inside `throw` (error wording) and type-only code are not mutated.
 *
 * Each mutant runs in ONE fresh Node process and nowhere else: scripts/mutate-hook.ts, preloaded
 * with `node -r`, serves every .ts file from JavaScript transpiled once by this script and the
 * mutated file from its mutated transpilation; the repository is never copied or edited.
 * Only the test files that load the mutated file run (learned in a baseline run of each unit
 * test file, which also times it), stopping at the first failure (scripts/mutate-runner.ts):
 * first the files that killed mutants of the same source file before, then the fastest.
 * Test files that spawn the CLI or a browser are left out: they run dist/, which no mutant
 * touches.
 *
 * Outcomes, as Stryker counts them:
 * - killed: a test failed (or the module failed to load);
 * - timeout: a test file runs longer than 3x its baseline time + 10 s, and again in a second run
 *   at 5x + 20 s (a hang: counted as detected, as Stryker does);
 * - survived: every covering test passed;  no-coverage: no unit test loads the file (counted
 *   as NOT detected);  equivalent: reviewed and listed in scripts/mutate-equivalent.json with
 *   the reason (provably no behaviour change): left out of the score.
 * Score = (killed + timeout) / (killed + timeout + survived + no-coverage), with a 95 % Wilson
 * interval when a seeded sample ran (`--sample N --seed S`, stratified by folder, proportional
 * to each folder's mutant count, so the pooled share is the population estimate).
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node scripts/mutate.ts [--sample N] [--seed S]
 *       [--jobs J] [--dirs src/alloc,src/sim,src/metrics] [--only FILE.ts] [--json FILE]
 *       [--rerun PREVIOUS.json] [--timeout-factor F] [--list] [--match REGEX] [--tests A,B]
 *       [--max-test-s S] [--exclude-tests A,B] [--with-tests A,B] [--resume | --resume-from P]
 *       [--retry-survivors] [--report-only] [--limit K]
 * `--rerun` takes a previous --json result on the same source (checked by hash) and runs again
 * only its survivors and no-coverage mutants: tests were only added, so a killed mutant stays
 * killed (every test is deterministic).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as ts from 'typescript';
import { Prng } from '../src/util/prng';

const ROOT = path.resolve(__dirname, '..');
/** Test runs in flight (process group ids), killed if the script is interrupted. */
const running = new Set<number>();

export interface Mutant {
  /** Stable across line shifts: file, the mutated line's text, column, replacement. */
  id: string;
  file: string; // repo-relative
  line: number;
  col: number;
  start: number;
  end: number;
  from: string;
  to: string;
  kind: string;
  text: string; // the source line, trimmed
}

type Status = 'killed' | 'survived' | 'timeout' | 'no-coverage' | 'invalid' | 'equivalent';

interface Outcome extends Mutant {
  status: Status;
  ms: number;
  tests: number;
  by?: string;
  reason?: string;
}

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

// ---- mutants ------------------------------------------------------------------------------

const K = ts.SyntaxKind;
const BINARY: Partial<Record<ts.SyntaxKind, string[]>> = {
  [K.PlusToken]: ['-'],
  [K.MinusToken]: ['+'],
  [K.AsteriskToken]: ['/'],
  [K.SlashToken]: ['*'],
  [K.PercentToken]: ['*'],
  [K.LessThanToken]: ['<=', '>='],
  [K.LessThanEqualsToken]: ['<', '>'],
  [K.GreaterThanToken]: ['>=', '<='],
  [K.GreaterThanEqualsToken]: ['>', '<'],
  [K.EqualsEqualsEqualsToken]: ['!=='],
  [K.ExclamationEqualsEqualsToken]: ['==='],
  [K.EqualsEqualsToken]: ['!='],
  [K.ExclamationEqualsToken]: ['=='],
  [K.AmpersandAmpersandToken]: ['||'],
  [K.BarBarToken]: ['&&'],
  [K.QuestionQuestionToken]: ['&&'],
  [K.PlusEqualsToken]: ['-='],
  [K.MinusEqualsToken]: ['+='],
  [K.AsteriskEqualsToken]: ['/='],
  [K.SlashEqualsToken]: ['*='],
  [K.LessThanLessThanEqualsToken]: ['>>='],
  [K.GreaterThanGreaterThanEqualsToken]: ['<<='],
  [K.AmpersandEqualsToken]: ['|='],
  [K.BarEqualsToken]: ['&='],
  [K.QuestionQuestionEqualsToken]: ['&&='],
};
const KIND: Partial<Record<ts.SyntaxKind, string>> = {
  [K.PlusToken]: 'arithmetic', [K.MinusToken]: 'arithmetic', [K.AsteriskToken]: 'arithmetic',
  [K.SlashToken]: 'arithmetic', [K.PercentToken]: 'arithmetic',
  [K.AmpersandAmpersandToken]: 'logical', [K.BarBarToken]: 'logical', [K.QuestionQuestionToken]: 'logical',
};

function isStringy(n: ts.Node): boolean {
  return ts.isStringLiteral(n) || ts.isTemplateExpression(n) || ts.isNoSubstitutionTemplateLiteral(n);
}

export function mutantsOf(file: string, text: string): Mutant[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const lines = text.split('\n');
  const out: Mutant[] = [];
  const add = (start: number, end: number, to: string, kind: string): void => {
    const lc = sf.getLineAndCharacterOfPosition(start);
    const lineText = (lines[lc.line] ?? '').trim();
    out.push({
      id: `${file}|${lineText}|${lc.character}|${text.slice(start, end)}|${to}`,
      file, line: lc.line + 1, col: lc.character + 1, start, end, from: text.slice(start, end), to, kind, text: lineText,
    });
  };
  const condition = (e: ts.Expression, toTrue: boolean): void => {
    if (e.kind === K.TrueKeyword || e.kind === K.FalseKeyword) return;
    if (toTrue) add(e.getStart(sf), e.end, 'true', 'condition');
    add(e.getStart(sf), e.end, 'false', 'condition');
  };
  const visit = (n: ts.Node): void => {
    if (ts.isTypeNode(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isImportDeclaration(n)) return;
    if (ts.isThrowStatement(n)) return;
    if (ts.isBinaryExpression(n)) {
      const k = n.operatorToken.kind;
      const tos = BINARY[k];
      if (tos && !isStringy(n.left) && !isStringy(n.right))
        for (const to of tos) {
          const kind = KIND[k] ?? (k >= K.FirstCompoundAssignment && k <= K.LastCompoundAssignment ? 'assignment' : 'equality');
          add(n.operatorToken.getStart(sf), n.operatorToken.end, to, kind);
        }
    } else if (n.kind === K.TrueKeyword || n.kind === K.FalseKeyword) {
      add(n.getStart(sf), n.end, n.kind === K.TrueKeyword ? 'false' : 'true', 'boolean');
    } else if (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) {
      const op = n.operator;
      const at = ts.isPrefixUnaryExpression(n) ? n.getStart(sf) : n.operand.end;
      if (op === K.PlusPlusToken) add(at, at + 2, '--', 'update');
      else if (op === K.MinusMinusToken) add(at, at + 2, '++', 'update');
      else if (op === K.MinusToken && !ts.isNumericLiteral(n.operand)) add(at, at + 1, '+', 'unary');
      else if (op === K.TildeToken) add(at, at + 1, '', 'unary');
      else if (op === K.ExclamationToken) add(at, at + 1, '', 'boolean');
    }
    if (ts.isIfStatement(n) || ts.isConditionalExpression(n)) condition(n.kind === K.IfStatement ? (n as ts.IfStatement).expression : (n as ts.ConditionalExpression).condition, true);
    else if (ts.isWhileStatement(n) || ts.isDoStatement(n)) condition(n.expression, false);
    else if (ts.isForStatement(n) && n.condition) condition(n.condition, false);
    if (ts.isExpressionStatement(n)) {
      const e = n.expression;
      if (ts.isCallExpression(e) || ts.isBinaryExpression(e) || ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e))
        add(n.getStart(sf), n.end, ';', 'statement');
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

// ---- transpiling --------------------------------------------------------------------------

const TS_OPTIONS: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true };

function transpile(file: string, text: string): { js: string; errors: number } {
  const r = ts.transpileModule(text, { fileName: file, compilerOptions: TS_OPTIONS, reportDiagnostics: true });
  return { js: r.outputText, errors: r.diagnostics?.filter((d) => d.category === ts.DiagnosticCategory.Error).length ?? 0 };
}

function tsFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

// ---- running ------------------------------------------------------------------------------

interface Env {
  work: string;
  hook: string;
  runner: string;
  cache: string;
}

/**
 * Runs `tests` in one process in that order. A file that runs longer than `limitMs(file)` (its
 * baseline time times a factor, plus a margin) stops the run as a timeout; `file` is then the
 * file that hung, else the file that failed.
 */
function runTests(env: Env, tests: string[], limitMs: (file: string) => number, extra: Record<string, string>): Promise<{ ok: boolean; timedOut: boolean; ms: number; out: string; file?: string }> {
  const t0 = Date.now();
  return new Promise((res) => {
    const p = spawn(process.execPath, ['-r', env.hook, env.runner, ...tests.map((t) => path.join(ROOT, 'tests', t))], {
      cwd: ROOT,
      env: { ...process.env, ...extra, MUTATE_CACHE: env.cache, MUTATE_ROOT: ROOT, NO_COLOR: '1', FORCE_COLOR: '0', TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(p.pid!);
    let out = '';
    // Loading every file comes first: charged to the first file's clock.
    let file: string | undefined = tests[0];
    let since = t0;
    const take = (d: Buffer): void => {
      const s = d.toString();
      for (const m of s.matchAll(/@@file (\S+)/g)) {
        if (m[1] !== tests[0]) since = Date.now();
        file = m[1];
      }
      out = (out + s).slice(-4000);
    };
    p.stdout.on('data', take);
    p.stderr.on('data', take);
    let timedOut = false;
    const timer = setInterval(() => {
      if (file === undefined || Date.now() - since <= limitMs(file)) return;
      timedOut = true;
      clearInterval(timer);
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 500);
    p.on('close', (code) => {
      running.delete(p.pid!);
      clearInterval(timer);
      res({ ok: code === 0 && !timedOut, timedOut, ms: Date.now() - t0, out, file });
    });
  });
}

function firstFailure(out: string): string | undefined {
  const m = /FAIL\s+(.+?)\s+"(.+?)"/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
  return m ? `${m[1]}: ${m[2]}` : undefined;
}

/** 95 % Wilson score interval for k of n. */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

interface TestFile {
  name: string;
  covers: Set<string>;
  ms: number;
}

interface Equivalent {
  id: string;
  reason: string;
}

async function pool<T>(items: T[], jobs: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const dirs = (arg('dirs', 'src/alloc,src/sim,src/metrics') ?? '').split(',');
  const only = arg('only');
  const sampleN = Number(arg('sample', '0'));
  const seed = Number(arg('seed', '1'));
  const jobs = Math.max(1, Number(arg('jobs', '1')));
  const factor = Number(arg('timeout-factor', '3'));
  const jsonOut = arg('json');
  const rerun = arg('rerun');
  const eqFile = arg('equivalent', path.join(ROOT, 'scripts', 'mutate-equivalent.json'))!;

  const files = dirs.flatMap(tsFiles).filter((f) => only === undefined || f === only || path.basename(f) === only);
  const srcHash = crypto.createHash('sha256');
  const all: Mutant[] = [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    srcHash.update(f).update(text);
    all.push(...mutantsOf(f, text));
  }
  const hash = srcHash.digest('hex').slice(0, 16);
  const folder = (m: { file: string }): string => m.file.split('/').slice(0, 2).join('/');

  let chosen = all;
  // --match REGEX: only the mutants whose "file:line:col from->to" matches (checking one test
  // against the mutant it was written for); --tests a.test.ts,...: only these test files.
  const match = arg('match');
  const onlyTests = arg('tests')?.split(',');
  // --exclude-tests a.test.ts,...: measure without these (the score before tests were added).
  const excludeTests = arg('exclude-tests')?.split(',') ?? [];
  // --with-tests a.test.ts,...: include these although they also spawn the CLI (their
  // in-process tests are the only ones loading some files: soak.ts, the pool's worker.ts).
  const withTests = arg('with-tests')?.split(',') ?? [];
  if (sampleN > 0 && sampleN < all.length) {
    // Stratified by top folder, proportional to each folder's mutant count; seeded.
    const rng = new Prng(seed);
    const byDir = new Map<string, Mutant[]>();
    for (const m of all) (byDir.get(folder(m)) ?? byDir.set(folder(m), []).get(folder(m))!).push(m);
    chosen = [];
    for (const [, ms] of [...byDir].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const k = Math.max(1, Math.round((sampleN * ms.length) / all.length));
      const pool = [...ms];
      for (let i = 0; i < k && pool.length; i++) chosen.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
    }
    chosen.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start));
  }
  // Run in a seeded random order: if a run is cut short, the mutants done so far are still a
  // random sample of the population (the report says so), not the first files alphabetically.
  {
    const rng = new Prng(seed ^ 0x5eed);
    chosen = [...chosen];
    for (let i = chosen.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [chosen[i], chosen[j]] = [chosen[j]!, chosen[i]!];
    }
  }
  // --limit K: only the first K of that order (finishing a cut-short run up to a point).
  if (arg('limit') !== undefined) chosen = chosen.slice(0, Number(arg('limit')));
  if (match !== undefined) chosen = chosen.filter((m) => new RegExp(match).test(`${m.file}:${m.line}:${m.col} ${m.from}->${m.to}`));
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const dirty = spawnSync('git', ['status', '--porcelain', ...dirs, 'tests'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() !== '';
  const perFolderTotal = new Map<string, number>();
  for (const m of all) perFolderTotal.set(folder(m), (perFolderTotal.get(folder(m)) ?? 0) + 1);
  process.stdout.write(
    `mutate: ${all.length} mutants in ${files.length} files (${[...perFolderTotal].map(([d, n]) => `${d} ${n}`).join(', ')}); ` +
      `running ${chosen.length}${chosen.length < all.length ? ` (seeded stratified sample, seed ${seed})` : ''}; ${jobs} job(s); ` +
      `commit ${commit}${dirty ? ' + uncommitted changes' : ''}; source hash ${hash}\n`,
  );
  if (process.argv.includes('--list')) {
    for (const m of chosen) process.stdout.write(`${m.file}:${m.line}:${m.col} ${m.kind} ${JSON.stringify(m.from)} -> ${JSON.stringify(m.to)}   ${m.text}\n`);
    return;
  }

  const equivalent = new Map<string, string>();
  if (fs.existsSync(eqFile)) for (const e of JSON.parse(fs.readFileSync(eqFile, 'utf8')) as Equivalent[]) equivalent.set(e.id, e.reason);

  const previous = new Map<string, Outcome>();
  if (rerun) {
    const prev = JSON.parse(fs.readFileSync(rerun, 'utf8')) as { hash: string; seed: number; sample: number; outcomes: Outcome[] };
    if (prev.hash !== hash) throw new Error(`--rerun: ${rerun} was measured on other source (hash ${prev.hash}, now ${hash})`);
    if (prev.seed !== seed || prev.sample !== sampleN) throw new Error(`--rerun: ${rerun} used --sample ${prev.sample} --seed ${prev.seed}`);
    for (const o of prev.outcomes) if (o.status === 'killed' || o.status === 'timeout' || o.status === 'invalid') previous.set(o.id, o);
  }

  // Transpile every .ts file once; the hook serves them to the test processes.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-mutate-'));
  const cleanup = (): void => {
    for (const pid of running)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    fs.rmSync(work, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143));
  const cache: Record<string, string> = {};
  for (const f of ['src', 'tests', 'scripts', 'bench'].flatMap(tsFiles)) {
    const abs = path.join(ROOT, f);
    cache[abs] = transpile(abs, fs.readFileSync(abs, 'utf8')).js;
  }
  const env: Env = { work, hook: path.join(work, 'hook.js'), runner: path.join(work, 'runner.js'), cache: path.join(work, 'cache.json') };
  fs.writeFileSync(env.cache, JSON.stringify(cache));
  fs.writeFileSync(env.hook, cache[path.join(ROOT, 'scripts', 'mutate-hook.ts')]!);
  fs.writeFileSync(env.runner, cache[path.join(ROOT, 'scripts', 'mutate-runner.ts')]!);

  // Baseline: each unit test file alone, unmutated: it must pass; its time and the source files
  // it loads decide which mutants it runs for, and in what order.
  const candidates = fs
    .readdirSync(path.join(ROOT, 'tests'))
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => withTests.includes(f) || !/cli-spawn|playwright|chromium/.test(fs.readFileSync(path.join(ROOT, 'tests', f), 'utf8')))
    .filter((f) => onlyTests === undefined || onlyTests.includes(f))
    .filter((f) => !excludeTests.includes(f));
  // The baseline is cached (in the temp folder, keyed by the hash of every .ts file) so a
  // second run on the same tree starts at once.
  const allHash = crypto.createHash('sha256');
  for (const [f, js] of Object.entries(cache).sort()) {
    const rel = path.relative(ROOT, f);
    if (rel.startsWith('scripts') || rel.startsWith('bench') || (/^tests\/[^/]+\.test\.ts$/.test(rel) && !candidates.includes(path.basename(rel)))) continue;
    allHash.update(f).update(js);
  }
  allHash.update(candidates.join(','));
  const baseFile = path.join(os.tmpdir(), `rmalloc-mutate-baseline-${allHash.digest('hex').slice(0, 16)}.json`);
  let tests: TestFile[] = [];
  const t0 = Date.now();
  if (fs.existsSync(baseFile))
    tests = (JSON.parse(fs.readFileSync(baseFile, 'utf8')) as { name: string; covers: string[]; ms: number }[]).map((t) => ({ ...t, covers: new Set(t.covers) }));
  else {
    await pool(candidates, jobs, async (name) => {
      const rec = path.join(work, `rec-${name}.txt`);
      const r = await runTests(env, [name], () => 900_000, { MUTATE_RECORD: rec });
      // Every mutant would look killed by a file that fails anyway: stop.
      if (!r.ok) throw new Error(`baseline: ${name} fails without any mutant:\n${r.out.slice(-1500)}`);
      const covers = new Set(fs.existsSync(rec) ? fs.readFileSync(rec, 'utf8').split('\n').filter(Boolean) : []);
      tests.push({ name, covers, ms: r.ms });
    });
    fs.writeFileSync(baseFile, JSON.stringify(tests.map((t) => ({ ...t, covers: [...t.covers] }))));
  }
  tests.sort((a, b) => a.ms - b.ms);
  process.stdout.write(
    `baseline: ${tests.length} unit test files pass in ${((Date.now() - t0) / 1000).toFixed(0)} s (${baseFile}): ` +
      `${tests.map((t) => `${t.name.replace(/\.test\.ts$/, '')} ${(t.ms / 1000).toFixed(1)}`).join(', ')}\n`,
  );
  // --max-test-s: leave out the slowest test files (then a survivor might still die in one of
  // them: the score is a lower bound, and the report says which files were left out).
  const maxMs = 1000 * Number(arg('max-test-s', 'Infinity'));
  const slow = tests.filter((t) => t.ms > maxMs);
  if (slow.length) {
    process.stdout.write(`left out (baseline over ${maxMs / 1000} s): ${slow.map((t) => t.name).join(', ')}\n`);
    tests = tests.filter((t) => t.ms <= maxMs);
  }

  const kills = new Map<string, Map<string, number>>();
  const killsAll = new Map<string, number>();
  const outcomes: Outcome[] = [];
  let done = 0;
  const print = (o: Outcome): void => {
    process.stdout.write(
      `${String(++done).padStart(4)}/${chosen.length} ${o.status.toUpperCase().padEnd(11)} ${o.file}:${o.line}:${o.col} ${o.kind} ${JSON.stringify(o.from)} -> ${JSON.stringify(o.to)} (${(o.ms / 1000).toFixed(1)} s, ${o.tests} test files)${o.by ? ` by ${o.by}` : ''}\n`,
    );
  };
  const msOf = new Map(tests.map((t) => [t.name, t.ms]));
  const runMutant = async (m: Mutant, factorNow: number, marginMs = 10_000): Promise<Outcome> => {
    const abs = path.join(ROOT, m.file);
    // The files that killed mutants of this source file before go first (then those that killed
    // any mutant, then the fastest): only the speed depends on the order, not the outcome.
    const mine = kills.get(m.file);
    const score = (t: TestFile): number => 1e6 * (mine?.get(t.name) ?? 0) + 1e3 * (killsAll.get(t.name) ?? 0);
    const cover = tests.filter((t) => t.covers.has(abs)).sort((a, b) => score(b) - score(a) || a.ms - b.ms);
    if (cover.length === 0) return { ...m, status: 'no-coverage', ms: 0, tests: 0 };
    const orig = fs.readFileSync(abs, 'utf8');
    const tr = transpile(abs, orig.slice(0, m.start) + m.to + orig.slice(m.end));
    if (tr.errors) return { ...m, status: 'invalid', ms: 0, tests: 0 };
    const js = path.join(work, `mutant-${crypto.createHash('sha1').update(m.id).digest('hex').slice(0, 12)}.js`);
    fs.writeFileSync(js, tr.js);
    const r = await runTests(env, cover.map((t) => t.name), (f) => factorNow * (msOf.get(f) ?? 0) + marginMs, { MUTATE_TARGET: abs, MUTATE_JS: js });
    fs.rmSync(js, { force: true });
    const o: Outcome = { ...m, status: r.timedOut ? 'timeout' : r.ok ? 'survived' : 'killed', ms: r.ms, tests: cover.length };
    if (r.timedOut) o.by = r.file;
    const by = firstFailure(r.out);
    if (by) o.by = by;
    else if (o.status === 'killed') o.by = r.out.split('\n').find((l) => /Error|error/.test(l))?.trim().slice(0, 160);
    if (o.status === 'killed' && r.file) {
      o.by = `${r.file}: ${o.by ?? ''}`;
      const mk = kills.get(m.file) ?? kills.set(m.file, new Map()).get(m.file)!;
      mk.set(r.file, (mk.get(r.file) ?? 0) + 1);
      killsAll.set(r.file, (killsAll.get(r.file) ?? 0) + 1);
    }
    return o;
  };
  // --json F also keeps F.progress.jsonl, one outcome a line. --resume (or --resume-from P)
  // reads such a file back: a run cut short goes on where it stopped (same source: checked by
  // hash). --retry-survivors runs its survivors and no-coverage mutants again, e.g. with only the
  // test files added since (--tests): tests were only added, and a mutant killed by some files is
  // killed by the whole suite, so this measures the suite after the additions. --report-only runs
  // nothing new but those retries: the score of the mutants the file holds (a random sample,
  // since the run order is random).
  const progress = jsonOut ? `${jsonOut}.progress.jsonl` : undefined;
  const resumeFrom = arg('resume-from') ?? (process.argv.includes('--resume') ? progress : undefined);
  const retry = process.argv.includes('--retry-survivors');
  const resumed = new Map<string, Outcome>();
  if (resumeFrom && fs.existsSync(resumeFrom))
    for (const l of fs.readFileSync(resumeFrom, 'utf8').split('\n').filter(Boolean)) {
      const o = JSON.parse(l) as Outcome & { hash: string };
      if (o.hash === hash) resumed.set(o.id, o);
    }
  if (progress && resumeFrom !== progress) fs.writeFileSync(progress, '');
  if (process.argv.includes('--report-only')) {
    // Only the longest run of the seeded random order that is complete: a random subsample of
    // the sample (mutants done out of that order, e.g. by an earlier file-ordered run, are left
    // out so the subsample is not biased toward some files).
    let k = 0;
    while (k < chosen.length && resumed.has(chosen[k]!.id)) k++;
    if (k < chosen.length) {
      const last = chosen.reduce((mx, m, i) => (resumed.has(m.id) ? i : mx), -1);
      const gaps = chosen.slice(0, last + 1).flatMap((m, i) => (resumed.has(m.id) ? [] : [`${i + 1}: ${m.file}:${m.line}:${m.col} ${m.from} -> ${m.to}`]));
      process.stdout.write(`report-only: the first ${k} of the ${chosen.length} mutants in the seeded random order are done; scoring those` +
        ` (done up to ${last + 1}; missing before that:${gaps.length ? `\n  ${gaps.join('\n  ')}` : ' none'})\n`);
    }
    chosen = chosen.slice(0, k);
  }
  for (const [id, o] of resumed) if (retry && (o.status === 'survived' || o.status === 'no-coverage')) resumed.delete(id);
  await pool(chosen, jobs, async (m) => {
    const eq = equivalent.get(m.id);
    const prev = previous.get(m.id) ?? resumed.get(m.id);
    let o: Outcome;
    if (eq !== undefined) o = { ...m, status: 'equivalent', ms: 0, tests: 0, reason: eq };
    else if (prev) o = { ...prev, ...m, status: prev.status };
    else {
      o = await runMutant(m, factor);
      // A timeout is confirmed at once by a second run with 5x each file's baseline time + 20 s:
      // only a mutant that still hangs counts (the first limit is 3x + 10 s).
      if (o.status === 'timeout') o = await runMutant(m, (5 * factor) / 3, 20_000);
    }
    outcomes.push(o);
    print(o);
    if (progress && (!prev || resumeFrom !== progress) && o.status !== 'equivalent') fs.appendFileSync(progress, JSON.stringify({ ...o, hash }) + '\n');
  });
  cleanup();

  const detected = (o: Outcome): boolean => o.status === 'killed' || o.status === 'timeout';
  const scored = outcomes.filter((o) => o.status !== 'equivalent' && o.status !== 'invalid');
  const k = scored.filter(detected).length;
  const n = scored.length;
  const ci = wilson(k, n);
  const pct = (x: number): string => (100 * x).toFixed(1);
  const count = (s: Status): number => outcomes.filter((o) => o.status === s).length;
  process.stdout.write(
    `\nscore: ${k} of ${n} detected = ${pct(k / n)} % (95 % Wilson CI ${pct(ci[0])}-${pct(ci[1])} %)` +
      ` | killed ${count('killed')}, timeout ${count('timeout')}, survived ${count('survived')}, no-coverage ${count('no-coverage')},` +
      ` equivalent ${count('equivalent')} (left out), invalid ${count('invalid')} (left out)\n`,
  );
  const perDir = new Map<string, { k: number; n: number }>();
  for (const o of scored) {
    const s = perDir.get(folder(o)) ?? { k: 0, n: 0 };
    s.n++;
    if (detected(o)) s.k++;
    perDir.set(folder(o), s);
  }
  for (const [d, s] of [...perDir].sort()) {
    const c = wilson(s.k, s.n);
    process.stdout.write(`  ${d}: ${s.k}/${s.n} = ${pct(s.k / s.n)} % (CI ${pct(c[0])}-${pct(c[1])} %) of ${perFolderTotal.get(d)} mutants\n`);
  }
  const left = outcomes.filter((o) => o.status === 'survived' || o.status === 'no-coverage' || o.status === 'timeout');
  left.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start));
  if (left.length)
    process.stdout.write(`not killed:\n${left.map((o) => `  ${o.status} ${o.file}:${o.line}:${o.col} ${o.kind} ${JSON.stringify(o.from)} -> ${JSON.stringify(o.to)}   ${o.text}`).join('\n')}\n`);
  if (jsonOut)
    fs.writeFileSync(
      jsonOut,
      JSON.stringify({ commit, dirty, hash, total: all.length, sample: sampleN, seed, ran: chosen.length, detected: k, scored: n, score: k / n, ci, outcomes }, null, 1) + '\n',
    );
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`mutate: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
