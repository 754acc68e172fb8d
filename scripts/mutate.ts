/**
 * Mutation testing (issue 15 item 8), `make mutate`: does the test suite notice when the code
 * under src/alloc, src/sim and src/metrics is changed in one small place?
 *
 * Stryker's command runner would rerun the whole suite (minutes) per mutant; this script is
 * the equivalent the issue allows, built for a 2-core machine:
 * - Mutants are single-token changes found with the TypeScript parser: relational boundaries
 *   (< <=, > >=), equality (=== !==), arithmetic (+ -, * /, % *), logical (&& ||), boolean
 *   literals, and removed expression statements (a call or assignment dropped). Operators
 *   with a string operand (messages) and code inside `throw` are skipped: changing an error's
 *   wording is not a behaviour change.
 * - Each mutant is applied in a private copy of the repository (src, tests, scripts, devices,
 *   firmware-traces; node_modules linked) and only the unit test files that import the mutated
 *   file (directly or through other src files) run, fastest first (at most --max-tests of them),
 *   stopping at the first failure (uvu --bail), under a per-mutant timeout (a timeout counts as
 *   NOT killed here: on a loaded machine it proves nothing). Tests
 *   that spawn the CLI or a browser are left out (they would retranspile the tree per mutant).
 * - `--sample N --seed S` draws a seeded sample (stratified by folder) when all mutants would
 *   take too long; the report says how many of how many ran.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node scripts/mutate.ts [--sample N] [--seed S]
 *       [--timeout SECONDS] [--jobs J] [--dirs src/alloc,src/sim,src/metrics] [--json FILE]
 *       [--only FILE.ts] [--baseline] [--max-tests K]
 * Prints one line per mutant (KILLED / SURVIVED / TIMEOUT) and the score; --json writes the
 * full list (survivors with their line and change) for bench/mutation.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as ts from 'typescript';
import { Prng } from '../src/util/prng';

const ROOT = path.resolve(__dirname, '..');
/** Test runs in flight (process group ids), killed if the script is interrupted. */
const running = new Set<number>();

interface Mutant {
  file: string; // repo-relative
  line: number;
  start: number;
  end: number;
  from: string;
  to: string;
  kind: string;
}

interface Outcome extends Mutant {
  status: 'killed' | 'survived' | 'timeout' | 'no-tests';
  ms: number;
  tests: number;
  by?: string;
}

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

// ---- mutants ------------------------------------------------------------------------------

const SWAP: Partial<Record<ts.SyntaxKind, [string, string]>> = {
  [ts.SyntaxKind.LessThanToken]: ['<', '<='],
  [ts.SyntaxKind.LessThanEqualsToken]: ['<=', '<'],
  [ts.SyntaxKind.GreaterThanToken]: ['>', '>='],
  [ts.SyntaxKind.GreaterThanEqualsToken]: ['>=', '>'],
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ['===', '!=='],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ['!==', '==='],
  [ts.SyntaxKind.PlusToken]: ['+', '-'],
  [ts.SyntaxKind.MinusToken]: ['-', '+'],
  [ts.SyntaxKind.AsteriskToken]: ['*', '/'],
  [ts.SyntaxKind.SlashToken]: ['/', '*'],
  [ts.SyntaxKind.PercentToken]: ['%', '*'],
  [ts.SyntaxKind.AmpersandAmpersandToken]: ['&&', '||'],
  [ts.SyntaxKind.BarBarToken]: ['||', '&&'],
};

function isStringy(n: ts.Node): boolean {
  return ts.isStringLiteral(n) || ts.isTemplateExpression(n) || ts.isNoSubstitutionTemplateLiteral(n);
}

function insideThrow(n: ts.Node): boolean {
  for (let p: ts.Node | undefined = n.parent; p; p = p.parent) {
    if (ts.isThrowStatement(p)) return true;
    if (ts.isFunctionLike(p)) return false;
  }
  return false;
}

export function mutantsOf(file: string, text: string): Mutant[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: Mutant[] = [];
  const add = (node: ts.Node, start: number, end: number, to: string, kind: string): void => {
    out.push({ file, line: sf.getLineAndCharacterOfPosition(start).line + 1, start, end, from: text.slice(start, end), to, kind });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isTypeNode(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isImportDeclaration(n)) return;
    if (ts.isBinaryExpression(n)) {
      const sw = SWAP[n.operatorToken.kind];
      if (sw && !isStringy(n.left) && !isStringy(n.right) && !insideThrow(n)) add(n, n.operatorToken.getStart(sf), n.operatorToken.end, sw[1], 'operator');
    } else if (n.kind === ts.SyntaxKind.TrueKeyword || n.kind === ts.SyntaxKind.FalseKeyword) {
      if (!insideThrow(n)) add(n, n.getStart(sf), n.end, n.kind === ts.SyntaxKind.TrueKeyword ? 'false' : 'true', 'boolean');
    } else if (ts.isExpressionStatement(n) && !insideThrow(n)) {
      const e = n.expression;
      if (ts.isCallExpression(e) || ts.isBinaryExpression(e) || ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e))
        add(n, n.getStart(sf), n.end, ';', 'statement');
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

// ---- which tests cover which file ------------------------------------------------------------

const IMPORT_RE = /(?:from\s+|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function resolveImport(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const c of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  return undefined;
}

/** Every .ts file `file` reaches through relative imports (itself included). */
function closure(file: string, memo: Map<string, Set<string>>): Set<string> {
  const seen = new Set<string>();
  const stack = [file];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const r = resolveImport(f, m[1]!);
      if (r && !seen.has(r)) stack.push(r);
    }
  }
  memo.set(file, seen);
  return seen;
}

interface TestFile {
  name: string;
  covers: Set<string>;
  ms: number;
}

function unitTests(): TestFile[] {
  const dir = path.join(ROOT, 'tests');
  const memo = new Map<string, Set<string>>();
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => {
      const t = fs.readFileSync(path.join(dir, f), 'utf8');
      return !/cli-spawn|playwright|chromium/.test(t);
    })
    .map((f) => ({ name: f, covers: closure(path.join(dir, f), memo), ms: Infinity }));
}

// ---- running ------------------------------------------------------------------------------

/** A private copy of the repository to mutate in. */
function sandbox(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-mutate-'));
  for (const sub of ['src', 'tests', 'scripts']) fs.cpSync(path.join(ROOT, sub), path.join(d, sub), { recursive: true });
  for (const link of ['node_modules', 'devices', 'firmware-traces', 'package.json', 'tsconfig.json'])
    if (fs.existsSync(path.join(ROOT, link))) fs.symlinkSync(path.join(ROOT, link), path.join(d, link));
  return d;
}

function runTests(dir: string, tests: string[], timeoutMs: number): Promise<{ ok: boolean; timedOut: boolean; ms: number; out: string }> {
  const t0 = Date.now();
  const pattern = `^(${tests.map((t) => t.replace(/[.]/g, '\\.')).join('|')})$`;
  return new Promise((res) => {
    // uvu takes the folder and pattern first: `--bail tests` would read `tests` as bail's value.
    const p = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'uvu', 'bin.js'), 'tests', pattern, '-r', 'ts-node/register', '--bail'], {
      cwd: dir,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(p.pid!);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    p.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    p.on('close', (code) => {
      running.delete(p.pid!);
      clearTimeout(timer);
      res({ ok: code === 0 && !timedOut, timedOut, ms: Date.now() - t0, out });
    });
  });
}

function firstFailure(out: string): string | undefined {
  const m = /FAIL\s+(.+?)\s+"(.+?)"/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
  return m ? `${m[1]}: ${m[2]}` : undefined;
}

async function main(): Promise<void> {
  const dirs = (arg('dirs', 'src/alloc,src/sim,src/metrics') ?? '').split(',');
  const only = arg('only');
  const sampleN = Number(arg('sample', '0'));
  const seed = Number(arg('seed', '1'));
  const timeoutS = Number(arg('timeout', '180'));
  const jobs = Math.max(1, Number(arg('jobs', '1')));
  const jsonOut = arg('json');
  // At most this many covering test files per mutant (the smallest first): on a loaded 2-core
  // machine the whole covering set of an engine file takes minutes. The score is then a lower
  // bound (a survivor might die in a larger test file).
  const maxTests = Number(arg('max-tests', '1000'));

  const files = dirs
    .flatMap((d) => fs.readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith('.ts')).map((f) => path.join(d, f)))
    .filter((f) => only === undefined || f === only || path.basename(f) === only)
    .sort();
  const all: Mutant[] = [];
  for (const f of files) all.push(...mutantsOf(f, fs.readFileSync(path.join(ROOT, f), 'utf8')));
  let chosen = all;
  if (sampleN > 0 && sampleN < all.length) {
    // Stratified by folder, proportional to each folder's mutant count; seeded.
    const rng = new Prng(seed);
    const byDir = new Map<string, Mutant[]>();
    for (const m of all) {
      const d = path.dirname(m.file);
      (byDir.get(d) ?? byDir.set(d, []).get(d)!).push(m);
    }
    chosen = [];
    for (const [, ms] of byDir) {
      const k = Math.max(1, Math.round((sampleN * ms.length) / all.length));
      const pool = [...ms];
      for (let i = 0; i < k && pool.length; i++) chosen.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
    }
    chosen.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start));
  }
  const tests = unitTests();
  const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const dirty = spawnSync('git', ['status', '--porcelain', ...dirs], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() !== '';
  process.stdout.write(`mutate: ${all.length} mutants in ${files.length} files; running ${chosen.length}${chosen.length < all.length ? ` (seeded sample, seed ${seed})` : ''}; ${jobs} job(s), timeout ${timeoutS} s; commit ${commit}${dirty ? ' + uncommitted changes' : ''}\n`);

  const boxes = Array.from({ length: jobs }, () => sandbox());
  const cleanup = (): void => {
    for (const pid of running)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    for (const b of boxes) fs.rmSync(b, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143));
  // Optional baseline (--baseline): every covering test file once, unmutated; its time orders
  // the runs (fastest first). Without it, smaller test files run first.
  const needed = new Set<string>();
  for (const m of chosen) for (const t of tests) if (t.covers.has(path.join(ROOT, m.file))) needed.add(t.name);
  for (const t of tests) t.ms = fs.statSync(path.join(ROOT, 'tests', t.name)).size;
  if (process.argv.includes('--baseline'))
    for (const t of tests) {
      if (!needed.has(t.name)) continue;
      const r = await runTests(boxes[0]!, [t.name], timeoutS * 1000);
      if (!r.ok) throw new Error(`baseline: ${t.name} fails without any mutant:\n${r.out}`);
      t.ms = r.ms;
    }
  tests.sort((a, b) => a.ms - b.ms);
  // Sanity of the harness: the smallest covering test files pass unmutated in the sandbox
  // (otherwise every mutant would look killed).
  const probe = tests.filter((t) => needed.has(t.name)).slice(0, 3).map((t) => t.name);
  if (probe.length) {
    const r = await runTests(boxes[0]!, probe, timeoutS * 1000);
    if (!r.ok) throw new Error(`the unmutated sandbox fails ${probe.join(', ')}:\n${r.out}`);
  }

  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async (box: string): Promise<void> => {
    while (next < chosen.length) {
      const m = chosen[next++]!;
      const abs = path.join(ROOT, m.file);
      const cover = tests.filter((t) => t.covers.has(abs)).map((t) => t.name).slice(0, maxTests);
      const target = path.join(box, m.file);
      const orig = fs.readFileSync(target, 'utf8');
      let o: Outcome;
      if (cover.length === 0) o = { ...m, status: 'no-tests', ms: 0, tests: 0 };
      else {
        fs.writeFileSync(target, orig.slice(0, m.start) + m.to + orig.slice(m.end));
        try {
          const r = await runTests(box, cover, timeoutS * 1000);
          o = { ...m, status: r.timedOut ? 'timeout' : r.ok ? 'survived' : 'killed', ms: r.ms, tests: cover.length };
          const by = firstFailure(r.out);
          if (by) o.by = by;
        } finally {
          fs.writeFileSync(target, orig);
        }
      }
      outcomes.push(o);
      process.stdout.write(
        `${String(outcomes.length).padStart(4)}/${chosen.length} ${o.status.toUpperCase().padEnd(8)} ${m.file}:${m.line} ${m.kind} ${JSON.stringify(m.from)} -> ${JSON.stringify(m.to)} (${(o.ms / 1000).toFixed(1)} s)\n`,
      );
    }
  };
  await Promise.all(boxes.map((b) => worker(b)));
  cleanup();

  // A timeout is counted as not killed (conservative: on a loaded machine a slow test set is
  // not proof that the mutant hangs).
  const killed = outcomes.filter((o) => o.status === 'killed').length;
  const tested = outcomes.filter((o) => o.status !== 'no-tests').length;
  const score = tested ? (100 * killed) / tested : 0;
  const perDir = new Map<string, { k: number; n: number }>();
  for (const o of outcomes) {
    if (o.status === 'no-tests') continue;
    const d = path.dirname(o.file);
    const s = perDir.get(d) ?? { k: 0, n: 0 };
    s.n++;
    if (o.status === 'killed') s.k++;
    perDir.set(d, s);
  }
  process.stdout.write(`\nscore: ${killed} of ${tested} mutants killed = ${score.toFixed(1)} %\n`);
  for (const [d, s] of perDir) process.stdout.write(`  ${d}: ${s.k}/${s.n} = ${((100 * s.k) / s.n).toFixed(1)} %\n`);
  const survivors = outcomes.filter((o) => o.status === 'survived' || o.status === 'timeout');
  if (survivors.length) process.stdout.write(`survivors (and timeouts):\n${survivors.map((o) => `  ${o.status} ${o.file}:${o.line} ${o.kind} ${JSON.stringify(o.from)} -> ${JSON.stringify(o.to)}`).join('\n')}\n`);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ total: all.length, ran: chosen.length, seed, killed, tested, score, outcomes }, null, 2) + '\n');
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`mutate: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
