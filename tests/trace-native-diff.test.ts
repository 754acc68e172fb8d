/**
 * Differential test of the byte-level native parser: seeded random traces (valid lines,
 * semantic slips and syntax errors, CRLF or LF, tabs, trailing comments) are read by
 * traceFromText and by openTrace on plain and gzip files big enough to span several read
 * chunks, and compared with a deliberately simple reference reader written from the format
 * description (split, regex, BigInt, a Set of live ids): same ops, lines, header, skip counts,
 * or the same error code at the same line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { traceFromText, loadTrace, type PackedTrace } from '../src/trace';
import { SimError } from '../src/errors';
import { Prng } from '../src/util/prng';

interface RefResult {
  ops: number[][];
  header: string[];
  skipped: Map<string, number>;
  error: { code: string; line: number } | null;
}

const TWO53 = 2n ** 53n;

/** The reference: one line at a time, as the format description reads. */
function reference(text: string, strict: boolean): RefResult {
  const r: RefResult = { ops: [], header: [], skipped: new Map(), error: null };
  const live = new Set<number>();
  let sawOp = false;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    let l = lines[i]!;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    const t = l.replace(/^[ \t]+/, '');
    if (t === '') continue;
    if (t.startsWith('#')) {
      if (!sawOp) r.header.push(t.slice(1).replace(/^ /, ''));
      continue;
    }
    const body = t.split('#')[0]!.replace(/[ \t]+$/, '');
    const f = body.split(/[ \t]+/);
    const op = f[0]!;
    const want: Record<string, number> = { a: 3, r: 3, x: 3, f: 2, l: 2, u: 2, i: 2 };
    const syntax = (): RefResult => ((r.error = { code: 'TRACE_SYNTAX', line: n }), r);
    if (!(op in want) || f.length !== want[op]) return syntax();
    if (!/^\d+$/.test(f[1]!)) return syntax();
    const first = BigInt(f[1]!);
    if (op === 'i' ? first > TWO53 : first >= TWO53) return syntax();
    let arg = 0;
    if (op === 'a' || op === 'r') {
      if (!/^\d+$/.test(f[2]!) || BigInt(f[2]!) > TWO53) return syntax();
      arg = Number(BigInt(f[2]!));
    } else if (op === 'x') {
      const k = 'LSM'.indexOf(f[2]!.toUpperCase());
      if (f[2]!.length !== 1 || k < 0) return syntax();
      arg = k;
    }
    sawOp = true;
    const id = Number(first);
    const problem = (reason: string): boolean => {
      if (strict) {
        r.error = { code: 'TRACE_SEMANTIC', line: n };
        return true;
      }
      r.skipped.set(reason, (r.skipped.get(reason) ?? 0) + 1);
      return false;
    };
    const kind = 'afrluix'.indexOf(op);
    if (op === 'i') {
      r.ops.push([5, 0, id, n]);
      continue;
    }
    if (op === 'a') {
      if (live.has(id)) {
        if (problem('allocation of a live id')) return r;
        continue;
      }
      live.add(id);
      r.ops.push([0, id, arg, n]);
      continue;
    }
    const names: Record<string, string> = { f: 'free', r: 'realloc', l: 'lock', u: 'unlock', x: 'access' };
    if (!live.has(id)) {
      if (problem(`${names[op]} ${op === 'x' ? 'to' : 'of'} an unknown id`)) return r;
      continue;
    }
    if (op === 'f' || (op === 'r' && arg === 0)) {
      live.delete(id);
      r.ops.push([1, id, 0, n]);
      continue;
    }
    r.ops.push([kind, id, arg, n]);
  }
  return r;
}

/** Random trace text: mostly valid ops over few ids, some slips, rarely a syntax error. */
function randomText(rng: Prng, lines: number, crlf: boolean, errors: boolean): string {
  const out: string[] = [];
  const sep = (): string => (rng.next() < 0.1 ? '\t' : rng.next() < 0.1 ? '  ' : ' ');
  const id = (): string => String(rng.next() < 0.01 ? 9007199254740991 : rng.int(0, 24));
  const size = (): string => String(rng.next() < 0.01 ? 9007199254740992 : rng.int(0, 5000));
  for (let i = 0; i < lines; i++) {
    const u = rng.next();
    let l: string;
    if (u < 0.05) l = rng.next() < 0.5 ? `# comment ${i}` : '';
    else if (u < 0.35) l = `a${sep()}${id()}${sep()}${size()}`;
    else if (u < 0.6) l = `f${sep()}${id()}`;
    else if (u < 0.7) l = `r${sep()}${id()}${sep()}${rng.next() < 0.2 ? '0' : size()}`;
    else if (u < 0.78) l = `${rng.next() < 0.5 ? 'l' : 'u'}${sep()}${id()}`;
    else if (u < 0.85) l = `x${sep()}${id()}${sep()}${'LSMlsm'[rng.int(0, 5)]}`;
    else l = `i${sep()}${rng.int(0, 100000)}`;
    if (rng.next() < 0.05) l = `${sep()}${l}`;
    if (rng.next() < 0.05) l += `${rng.next() < 0.5 ? ' ' : ''}# trailing`;
    if (rng.next() < 0.05) l += ' ';
    if (errors && rng.next() < 0.004) {
      const bad = ['q 1 2', 'a 1', 'a -1 2', 'a 1 2 3', 'f x', 'a 1 12k', 'a 1 9007199254740993', 'f 9007199254740992', 'x 1 Q', 'a1 2', 'f', 'i -5', 'r 1 1e3'];
      l = bad[rng.int(0, bad.length - 1)]!;
    }
    out.push(l);
  }
  return out.join(crlf ? '\r\n' : '\n') + (rng.next() < 0.5 ? (crlf ? '\r\n' : '\n') : '');
}

function compare(got: PackedTrace | SimError, want: RefResult, what: string): void {
  if (want.error) {
    assert.instance(got, SimError, `${what}: expected ${want.error.code} at line ${want.error.line}`);
    const e = got as SimError;
    assert.is(e.code, want.error.code, what);
    assert.is(e.line, want.error.line, what);
    return;
  }
  if (got instanceof SimError) assert.unreachable(`${what}: unexpected ${got.oneLine()}`);
  const t = got as PackedTrace;
  assert.is(t.ops.n, want.ops.length, `${what}: op count`);
  for (let i = 0; i < t.ops.n; i++) {
    const w = want.ops[i]!;
    if (t.ops.kind[i] !== w[0] || t.ops.id[i] !== w[1] || t.ops.arg[i] !== w[2] || t.ops.line[i] !== w[3])
      assert.unreachable(`${what}: op ${i} is ${[t.ops.kind[i], t.ops.id[i], t.ops.arg[i], t.ops.line[i]]}, want ${w}`);
  }
  assert.equal(t.info.header, want.header, `${what}: header`);
  assert.equal(new Map(t.skipped.map((s) => [s.reason, s.count])), want.skipped, `${what}: skips`);
}

function run<T>(fn: () => T): T | SimError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
}

const d = suite('native parser vs reference');

d('300 small random traces, lenient and strict', () => {
  const rng = new Prng(1234);
  for (let k = 0; k < 300; k++) {
    const text = randomText(rng, rng.int(1, 300), rng.next() < 0.5, true);
    for (const strict of [false, true]) compare(run(() => traceFromText(text, 'r', { strict })), reference(text, strict), `trace ${k} strict=${strict}`);
  }
});

d('large files spanning many read chunks, plain and gzip, LF and CRLF', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-diff-'));
  const rng = new Prng(99);
  for (const crlf of [false, true]) {
    const text = randomText(rng, 120_000, crlf, false);
    const want = reference(text, false);
    const plain = path.join(dir, `p${crlf}.trace`);
    const gz = path.join(dir, `g${crlf}.trace.gz`);
    fs.writeFileSync(plain, text);
    fs.writeFileSync(gz, zlib.gzipSync(text, { level: 1 }));
    assert.ok(text.length > 3 * (1 << 18), 'spans several chunks');
    compare(await loadTrace(plain), want, `plain crlf=${crlf}`);
    compare(await loadTrace(gz), want, `gzip crlf=${crlf}`);
  }
  fs.rmSync(dir, { recursive: true });
});

d.run();
