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
  // Real output of glibc mtrace, ltrace and heaptrack (zstd) run on heap-demo.c.
  ['mtrace-demo.out', 'mtrace-demo.expected.trace'],
  ['ltrace-demo.out', 'ltrace-demo.expected.trace'],
  ['heaptrack-demo.zst', 'heaptrack-demo.expected.trace'],
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
  assert.throws(() => traceFromText('20000\n2\n3\na 0 8\n', 'c.rep', { format: 'rep' }), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 4 && /header needs 4 numbers \(or 2: ids and ops\)/.test(e.message));
  assert.throws(() => traceFromText('1\n2\n3\n4\nz 0 8\n', 'd.rep'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 5 && /unknown op "z"/.test(e.message));
});

edge('rep: a two-number header (ids ops) and `a <id>` without a size (malloc(0), counted; strict: an error)', () => {
  const text = '2 4\r\na 0 8\r\na 1\r\nf 0\r\nr 1 16\r\n';
  const t = traceFromText(text, 'two.rep');
  assert.equal(opLines(t), ['a 0 8', 'a 1 0', 'f 0', 'r 1 16']);
  assert.equal(t.info.header, ['malloc-lab header: 2 4 (ids 2, ops 4)']);
  assert.equal(t.skipped.map((s) => [s.reason, s.count, s.firstLine]), [['allocation without a size: read as malloc(0)', 1, 3]]);
  assert.throws(() => traceFromText(text, 'two.rep', { strict: true }), (e: SimError) => e.code === 'TRACE_SEMANTIC' && e.line === 3 && /without a size/.test(e.message));
  // The two numbers on two lines, as the four-number files write them.
  assert.equal(opLines(traceFromText('2\n4\na 0 8\na 1\nf 0\nr 1 16\n', 'two-lines.rep', { format: 'rep' })), opLines(t));
});

edge('mtrace: a failed realloc (! with size 0xfffffffffffff000) keeps the old block; a failed huge malloc is skipped', () => {
  const log = [
    '= Start',
    '@ ./p:[0x1199] + 0x1000 0x20',
    '@ ./p:[0x1225] ! 0x1000 0xfffffffffffff000',
    '+ (nil) 0xfffffffffffff000',
    '< 0x1000',
    '> 0x2000 0x40',
    '- 0x2000',
  ].join('\n');
  for (const strict of [false, true]) {
    const t = traceFromText(log, 'fail.mtrace', { strict });
    // The block of line 2 lives on through the failed realloc: realloc'd (line 5-6), freed (line 7).
    assert.equal(opLines(t), ['a 0 32', 'r 0 64', 'f 0']);
    assert.equal(t.skipped.map((s) => [s.reason, s.count, s.benign]), [
      ['failed realloc (old block kept)', 1, true],
      ['failed allocation (NULL result)', 1, true],
    ]);
  }
  // A size that is not hexadecimal is still a syntax error, and a successful one over 2^53 too.
  assert.throws(() => traceFromText('= Start\n+ 0x10 0x8\n! 0x10 0xzz\n', 'm.log'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 3);
  assert.throws(() => traceFromText('= Start\n+ 0x10 0xfffffffffffff000\n', 'm.log'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 2 && /over 2\^53/.test(e.message));
});

edge('--from a format the file is not: an error naming the first bad line, never an empty trace', () => {
  const native = '# a native trace\na 0 16\nf 0\n';
  const firstBad = (format: string, line: number, re: RegExp) =>
    assert.throws(() => traceFromText(native, 'n.trace', { format }), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === line && re.test(e.message));
  firstBad('valgrind', 1, /not a valgrind log line/);
  firstBad('memtrace', 1, /not a memtrace line/);
  firstBad('ltrace', 1, /not an ltrace line/);
  firstBad('heaptrack', 1, /not a heaptrack file/);
  firstBad('mtrace', 1, /not an mtrace line/);
  // A valgrind log without --trace-malloc=yes lines, and a memtrace with no >>> line.
  const banner = '==7== Memcheck, a memory error detector\n==7== Command: ./p\n';
  assert.throws(() => traceFromText(banner, 'v.log', { format: 'valgrind' }), (e: SimError) => e.code === 'TRACE_FORMAT' && /--trace-malloc=yes/.test(e.message));
  assert.throws(() => traceFromText(banner, 'm.txt', { format: 'memtrace' }), (e: SimError) => e.code === 'TRACE_FORMAT' && /no ">>> " line/.test(e.message));
  // The program's own output after valgrind's banner is still fine.
  assert.equal(opLines(traceFromText(`${banner}hello from the program\n--7-- malloc(5) = 0x10\n`, 'v.log', { format: 'valgrind' })), ['a 0 5']);
});

edge('binary input is named by its format, never echoed', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-bin-'));
  const zlib = await import('node:zlib');
  const zstd = fs.readFileSync(path.join(DIR, 'heaptrack-demo.zst'));
  const cases: [string, Buffer, string | undefined, RegExp][] = [
    ['zstd-in-gzip.gz', zlib.gzipSync(zstd), undefined, /^not a text trace: the file is zstd data inside gzip$/],
    ['twice.gz', zlib.gzipSync(zlib.gzipSync('a 0 8\n')), 'valgrind', /^not a valgrind trace: the file is gzip data inside gzip$/],
    ['prog', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]), 'memtrace', /^not a memtrace trace: the file is ELF executable$/],
    ['noise.bin', Buffer.from([0x61, 0x20, 0x30, 0x01, 0x02, 0xfe, 0x0a]), undefined, /^not a text trace: the file is binary data$/],
  ];
  for (const [name, bytes, format, re] of cases) {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, bytes);
    assert.throws(() => openTrace(f, { format }), (e: SimError) => e.code === 'TRACE_FORMAT' && e.line === undefined && re.test(e.message), name);
  }
  // zstd is decoded like gzip, whatever the name: the heaptrack file renamed still imports.
  fs.copyFileSync(path.join(DIR, 'heaptrack-demo.zst'), path.join(tmp, 'renamed.txt'));
  assert.is(openTrace(path.join(tmp, 'renamed.txt')).format, 'heaptrack');
  assert.is((await loadTrace(path.join(tmp, 'renamed.txt'))).ops.n, 17);
  fs.rmSync(tmp, { recursive: true });
});

edge('heaptrack: a free releases the newest live block of its allocation info; the raw stream is read by pointer', () => {
  // Interpreted file: infos 0 (16 bytes) and 1 (100 bytes).
  const file = ['v 10400 3', 'X ./p --x', 'I 1000 100', 's 3 foo', 't 1 0', 'i 1234 1', 'a 10 1', '+ 0', '+ 0', 'a 64 2', '+ 1', '+ 0', '- 0', '- 1', '- 0', '- 0', '- 0', 'c 5', 'R 10'].join('\n');
  const t = traceFromText(file, 'h.txt');
  assert.equal(opLines(t), ['a 0 16', 'a 1 16', 'a 2 100', 'a 3 16', 'f 3', 'f 2', 'f 1', 'f 0']);
  assert.equal(t.info.header, ['imported from heaptrack 1.4.0 data (file format 3)', 'command: ./p --x']);
  assert.equal(t.skipped.map((s) => [s.reason, s.count, s.firstLine]), [['free of an allocation index with no live block', 1, 17]]);
  // Raw stream (before heaptrack_interpret): `+ size trace pointer`, `- pointer`.
  const raw = traceFromText(['v 10400 3', '+ 10 1 7f00', '+ 20 1 7f40', '- 7f00', '- 7f99', '+ 8 2 7f00'].join('\n'), 'raw.txt', { format: 'heaptrack' });
  assert.equal(opLines(raw), ['a 0 16', 'a 1 32', 'f 0', 'a 0 8']);
  assert.equal(raw.skipped.map((s) => s.reason), ['free of an unknown pointer']);
  assert.throws(() => traceFromText('v 10400 3\n+ 3\n', 'h.txt'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 2 && /no "a" line/.test(e.message));
  assert.throws(() => traceFromText('v 10400 3\nQ 1\n', 'h.txt'), (e: SimError) => e.code === 'TRACE_SYNTAX' && e.line === 2 && /unknown mode "Q"/.test(e.message));
});

edge('ltrace: -f -tt -T prefixes, unfinished/resumed calls, other pids, program output, NULL as 0', () => {
  const log = [
    '[pid 41] 22:11:03.770281 p->free(0)           = <void> <0.000419>',
    '[pid 41] 22:11:03.770762 p->realloc(0, 16)    = 0x55f378d542a0 <0.000290>',
    '[pid 41] 22:11:03.770800 puts("hello (world)") = 14 <0.000020>',
    'hello (world)',
    '[pid 41] 22:11:03.770900 p->malloc(40 <unfinished ...>',
    '[pid 41] 22:11:03.770950 --- SIGALRM (Alarm clock) ---',
    '[pid 41] 22:11:03.771000 <... malloc resumed> ) = 0x55f378d54300 <0.000100>',
    '[pid 42] 22:11:03.782217 p->malloc(7)         = 0x55f378d542a0 <0.000594>',
    '[pid 41] 22:11:03.771302 p->realloc(0x55f378d542a0, 0) = 0 <0.000141>',
    '[pid 41] 22:11:03.771400 p->calloc(3, 5)      = 0x55f378d542a0',
    '[pid 41] 22:11:03.786299 +++ exited (status 0) +++',
  ].join('\n');
  const t = traceFromText(log, 'l.out');
  assert.equal(opLines(t), ['a 0 16', 'a 1 40', 'f 0', 'a 0 15']);
  assert.equal(t.skipped.map((s) => [s.reason, s.count, s.firstLine]), [
    ['free(NULL)', 1, 1],
    ['line that is not an ltrace call (program output?)', 1, 4],
    ['call of another process (pid 42) ignored', 1, 8],
  ]);
  assert.equal(t.info.header, ['imported from ltrace output (pid 41)']);
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
