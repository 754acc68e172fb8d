/**
 * Each import format against a hand-written fixture and its expected native output
 * (tests/fixtures/traces/<name>.expected.trace: `# format:`, `# skipped: reason = count` and
 * `# header:` directives, then the expected ops). Also: auto-detection picks the format, the
 * importer written out by `convert` re-reads as the same ops, and the importers' edge cases.
 */
import { test, suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openTrace, loadTrace, traceFromText, writeTrace, formatOp, IdPool, detectImporter, type PackedTrace } from '../src/trace';
import { SimError } from '../src/errors';
import { setLogLevel } from '../src/log';

// rep-weight.rep's header disagrees with its body on purpose; the CLI test checks the warning.
setLogLevel('error');

const DIR = path.join(__dirname, 'fixtures', 'traces');

interface Expected {
  format: string;
  skipped: Map<string, number>;
  header: string[] | null;
  ops: string[];
}

function readExpected(name: string): Expected {
  const e: Expected = { format: 'native', skipped: new Map(), header: null, ops: [] };
  for (const l of fs.readFileSync(path.join(DIR, name), 'utf8').split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# format: (\S+)/.exec(l))) e.format = m[1]!;
    else if ((m = /^# skipped: (.*) = (\d+)$/.exec(l))) e.skipped.set(m[1]!, Number(m[2]));
    else if ((m = /^# header: (.*)$/.exec(l))) (e.header ??= []).push(m[1]!);
    else if (l.trim() !== '' && !l.startsWith('#')) e.ops.push(l);
  }
  return e;
}

function opLines(t: PackedTrace): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.ops.n; i++) out.push(formatOp(t.ops.kind[i]!, t.ops.id[i]!, t.ops.arg[i]!));
  return out;
}

const CASES: [string, string][] = [
  ['native.trace', 'native.expected.trace'],
  ['rep-heap.rep', 'rep-heap.expected.trace'],
  ['rep-weight.rep', 'rep-weight.expected.trace'],
  ['mtrace.out', 'mtrace.expected.trace'],
  ['valgrind.out', 'valgrind.expected.trace'],
  ['memtrace.txt', 'memtrace.expected.trace'],
  ['lockops.ops', 'lockops.expected.trace'],
  // Real output of tools run on real-demo.c (both must give the same ops).
  ['real-demo-mtrace.out', 'real-demo-mtrace.expected.trace'],
  ['real-demo-valgrind.out', 'real-demo-valgrind.expected.trace'],
];

const fixtures = suite('import fixtures');
for (const [input, expected] of CASES) {
  fixtures(`${input}: detected format and expected native ops`, async () => {
    const e = readExpected(expected);
    const src = openTrace(path.join(DIR, input));
    assert.is(src.format, e.format, 'auto-detected format');
    const t = await loadTrace(path.join(DIR, input));
    assert.equal(opLines(t), e.ops);
    const got = new Map(t.skipped.map((s) => [s.reason, s.count]));
    assert.equal(got, e.skipped, 'skip counts');
    if (e.header) assert.equal(t.info.header, e.header);
  });

  fixtures(`${input}: --from ${readExpected(expected).format} gives the same ops, and the converted file re-reads identically`, async () => {
    const e = readExpected(expected);
    const t = await loadTrace(path.join(DIR, input), { format: e.format });
    assert.equal(opLines(t), e.ops);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-imp-'));
    const out = path.join(tmp, 'out.trace.gz');
    await writeTrace(out, ['converted'], openTrace(path.join(DIR, input)).batches());
    const back = await loadTrace(out);
    assert.equal(opLines(back), e.ops);
    assert.equal(back.info.header, ['converted']);
    fs.rmSync(tmp, { recursive: true });
  });
}
fixtures.run();

const edge = suite('importer edge cases');

edge('strict mode turns problem skips into TRACE_SEMANTIC errors but keeps benign ones', async () => {
  // mtrace: the unknown free (line 7) is a problem.
  try {
    await loadTrace(path.join(DIR, 'mtrace.out'), { strict: true });
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, SimError);
    assert.is((e as SimError).code, 'TRACE_SEMANTIC');
    assert.is((e as SimError).line, 7);
    assert.match((e as SimError).oneLine(), /mtrace\.out:7: free of an unknown pointer/);
  }
  // rep-heap: only free(NULL) (benign): strict reads it fine.
  const t = await loadTrace(path.join(DIR, 'rep-heap.rep'), { strict: true });
  assert.is(t.ops.n, 10);
  assert.equal(t.skipped.map((s) => [s.reason, s.benign]), [['free(NULL) (f -1)', true]]);
});

edge('rep: both header variants, header spread over lines, a malformed header', () => {
  const a = traceFromText('20000\n2\n3\n1\na 0 8\na 1 9\nf 0\n', 'a.rep');
  const b = traceFromText('1 2 3 99\na 0 8\na 1 9\nf 0\n', 'b.rep', { format: 'rep' });
  assert.equal(opLines(a), ['a 0 8', 'a 1 9', 'f 0']);
  assert.equal(opLines(b), opLines(a));
  assert.throws(() => traceFromText('20000\n2\na 0 8\n', 'c.rep', { format: 'rep' }), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 3 && /header needs 4 numbers/.test(e.message));
  assert.throws(() => traceFromText('1\n2\n3\n4\nz 0 8\n', 'd.rep'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 5 && /unknown op "z"/.test(e.message));
});

edge('mtrace: a < line without its > line is a syntax error', () => {
  assert.throws(() => traceFromText('= Start\n+ 0x10 0x8\n< 0x10\n- 0x10\n', 'm.log'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 3);
  assert.throws(() => traceFromText('= Start\n+ 0x10 zz\n', 'm.log'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 2 && /size/.test(e.message));
});

edge('valgrind: aligned new, reallocarray, realloc(p,0) in the newest spelling, a missed free', () => {
  const log = [
    '--9-- _ZnwmSt11align_val_t(size 40, al 64) = 0x1000',
    '--9-- reallocarray(0x1000,3,8) = 0x2000',
    '--9-- malloc(5) = 0x3000',
    '--9-- realloc(0x3000,0) = 0x0',
    '--9-- malloc(7) = 0x2000',
  ].join('\n');
  const t = traceFromText(log, 'v.log');
  assert.equal(opLines(t), ['a 0 40', 'r 0 24', 'a 1 5', 'f 1', 'f 0', 'a 0 7']);
  assert.equal(t.skipped.map((s) => s.reason), ['allocation at a live address (missed free): earlier block freed']);
});

edge('memtrace: an access maps to the block whose range contains it', () => {
  const t = traceFromText('>>> N 100 10\n>>> N 110 10\n>>> L 109 1\n>>> S 110 1\n>>> M 119 1\n>>> L 120 1\n', 'm.txt');
  assert.equal(opLines(t), ['a 0 10', 'a 1 10', 'x 0 L', 'x 1 S', 'x 1 M']);
  assert.is(t.skipped[0]!.reason, 'access outside any live block');
  assert.throws(() => traceFromText('>>> Q 1 2\n', 'm.txt', { format: 'memtrace' }), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 1);
});

edge('IdPool reuses freed ids smallest-first', () => {
  const p = new IdPool();
  const got = [p.take(), p.take(), p.take(), p.take()];
  assert.equal(got, [0, 1, 2, 3]);
  p.give(3);
  p.give(1);
  p.give(2);
  assert.equal([p.take(), p.take(), p.take(), p.take()], [1, 2, 3, 4]);
});

edge('detection: unknown garbage falls back to native and reports its first bad line', () => {
  assert.is(detectImporter(['hello world']).name, 'native');
  assert.throws(() => traceFromText('hello world\n', 'g.trace'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 1);
});

edge('an unknown --from name lists the known formats', () => {
  assert.throws(() => openTrace(path.join(DIR, 'native.trace'), { format: 'nope' }), (e: SimError) => e.code === 'TRACE_FORMAT' && /known: native, rep/.test(e.message));
});

edge.run();
