/**
 * The streaming reader: the malformed corpus (every bad line gives file:line: reason and the
 * right code; recoverable ones are skipped and counted by default), gzip and plain input give
 * identical ops whatever the file name, a 2M-op gzip file really streams through reused batch
 * arrays, findTraceFiles, and the writer round trip.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  BATCH_OPS,
  findTraceFiles,
  loadTrace,
  openTrace,
  traceFromText,
  writeTrace,
  TraceWriter,
  OP_ALLOC,
  OP_FREE,
  type OpBatch,
  type PackedOps,
  type PackedTrace,
} from '../src/trace';
import { SimError } from '../src/errors';
import { END_PROMISE } from '../src/trace/native';
import { Prng } from '../src/util/prng';

const DIR = path.join(__dirname, 'fixtures', 'traces');
const BAD = path.join(DIR, 'malformed');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-reader-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

interface BadCase {
  file: string;
  line: number;
  code: string;
  reason: string;
  skip?: string;
}
const CORPUS: BadCase[] = JSON.parse(fs.readFileSync(path.join(BAD, 'expected.json'), 'utf8'));

async function drain(file: string, opts: { strict?: boolean } = {}): Promise<PackedTrace> {
  return loadTrace(file, opts);
}

function sameOps(a: PackedOps, b: PackedOps): void {
  assert.is(a.n, b.n);
  for (let i = 0; i < a.n; i++) {
    if (a.kind[i] !== b.kind[i] || a.id[i] !== b.id[i] || a.arg[i] !== b.arg[i] || a.line[i] !== b.line[i])
      assert.unreachable(`op ${i} differs`);
  }
}

const bad = suite('malformed corpus');
for (const c of CORPUS) {
  bad(`${c.file}: ${c.code} at line ${c.line}`, async () => {
    const file = path.join(BAD, c.file);
    const strict = c.code === 'TRACE_SEMANTIC';
    try {
      await drain(file, { strict });
      assert.unreachable('should have thrown');
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      assert.is(e.code, c.code);
      assert.is(e.file, file);
      assert.is(e.line, c.line);
      assert.is(e.oneLine(), `${file}:${c.line}: ${c.reason}${c.code === 'TRACE_SYNTAX' && c.reason.startsWith('unknown op') ? ' (native ops: a f r l u i x)' : ''} (${c.code})`);
    }
    if (c.skip) {
      // Not strict: the op is dropped and counted with its first line.
      const t = await drain(file);
      assert.equal(t.skipped, [{ reason: c.skip, count: 1, firstLine: c.line }]);
      assert.is(t.ops.n, 1);
    } else {
      // Syntax errors are errors whatever the mode.
      try {
        await drain(file, { strict: false });
        assert.unreachable('syntax errors are never skipped');
      } catch (e) {
        assert.is((e as SimError).code, 'TRACE_SYNTAX');
      }
    }
  });
}
bad('traceFromText reports the same errors with its name', () => {
  assert.throws(() => traceFromText('a 1 2\nf 1\nf 1\n', 'mem', { strict: true }), (e: SimError) => e.oneLine() === 'mem:3: free of an unknown id (id 1) (TRACE_SEMANTIC)');
});
bad.run();

const fmt = suite('native format');

fmt('ids up to 2^53-1, sizes up to 2^53, r id 0 is a free, a id 0 is legal', () => {
  const t = traceFromText('a 9007199254740991 9007199254740992\na 0 0\nr 0 0\nr 9007199254740991 1\n');
  assert.equal(Array.from(t.ops.kind), [OP_ALLOC, OP_ALLOC, OP_FREE, 2]);
  assert.equal(Array.from(t.ops.id), [9007199254740991, 0, 0, 9007199254740991]);
  assert.equal(Array.from(t.ops.arg), [9007199254740992, 0, 0, 1]);
  assert.throws(() => traceFromText('f 9007199254740992\n'), (e: SimError) => e.code === 'TRACE_SYNTAX' && /id over 2\^53 - 1/.test(e.message));
  assert.throws(() => traceFromText('a 1 00000000000000000000009\nf 1 x\n'), (e: SimError) => e.line === 2);
});

fmt('an id may be reused after it is freed; large ids use the sparse live set', () => {
  const t = traceFromText('a 5 1\nf 5\na 5 2\na 100000000 3\nf 100000000\nf 100000000\n');
  assert.is(t.ops.n, 5);
  assert.equal(t.skipped, [{ reason: 'free of an unknown id', count: 1, firstLine: 6 }]);
});

fmt('CRLF, tabs, blank lines, a missing final newline, header only before the first op', () => {
  const t = traceFromText('#h1\r\n\r\n\t# h2\r\na\t1\t2\r\n# not header\r\nf 1', 'x.trace');
  assert.equal(t.info.header, ['h1', 'h2']);
  assert.is(t.info.name, 'x');
  assert.equal(Array.from(t.ops.line), [4, 6]);
});

fmt.run();

const io = suite('files, gzip and streaming');

function genText(n: number, seed: number): { text: string; sumId: number; sumArg: number } {
  const r = new Prng(seed);
  const live: number[] = [];
  let next = 0;
  let sumId = 0;
  let sumArg = 0;
  const lines: string[] = ['# generated'];
  for (let i = 0; i < n; i++) {
    if (live.length > 0 && r.next() < 0.45) {
      const k = r.int(0, live.length - 1);
      const id = live[k]!;
      live[k] = live[live.length - 1]!;
      live.pop();
      lines.push(`f ${id}`);
      sumId += id;
    } else {
      const id = next++;
      const size = r.int(1, 4096);
      live.push(id);
      lines.push(`a ${id} ${size}`);
      sumId += id;
      sumArg += size;
    }
  }
  return { text: lines.join('\n') + '\n', sumId, sumArg };
}

io('gzip and plain give identical ops; detection is by magic bytes, not by name', async () => {
  const { text } = genText(5000, 7);
  const plain = path.join(tmp, 'p.trace');
  const gz = path.join(tmp, 'g.trace.gz');
  const gzNoExt = path.join(tmp, 'gz-named-plain.trace');
  const plainNamedGz = path.join(tmp, 'plain-named.trace.gz');
  fs.writeFileSync(plain, text);
  fs.writeFileSync(gz, zlib.gzipSync(text));
  fs.writeFileSync(gzNoExt, zlib.gzipSync(text));
  fs.writeFileSync(plainNamedGz, text);
  const ref = await loadTrace(plain);
  assert.is(ref.ops.n, 5000);
  for (const f of [gz, gzNoExt, plainNamedGz]) sameOps((await loadTrace(f)).ops, ref.ops);
  sameOps(traceFromText(text).ops, ref.ops);
  assert.equal(ref.info.header, ['generated']);
  // A gzip file cut short is a clear error, not a crash.
  const cut = path.join(tmp, 'cut.trace.gz');
  const z = zlib.gzipSync(text);
  fs.writeFileSync(cut, z.subarray(0, z.length - 100));
  try {
    await loadTrace(cut);
    assert.unreachable('truncated gzip must fail');
  } catch (e) {
    assert.instance(e, SimError);
    assert.is((e as SimError).code, 'TRACE_FORMAT');
  }
});

io('a 2M-op gzip trace streams through one reused batch', async () => {
  const n = 2_000_000;
  const { text, sumId, sumArg } = genText(n, 42);
  const file = path.join(tmp, 'big.trace.gz');
  fs.writeFileSync(file, zlib.gzipSync(text, { level: 1 }));
  const src = openTrace(file);
  let first: OpBatch | null = null;
  let kindArr: Uint8Array | null = null;
  let total = 0;
  let batches = 0;
  let gotId = 0;
  let gotArg = 0;
  let lastLine = 0;
  for await (const b of src.batches()) {
    if (first === null) {
      first = b;
      kindArr = b.kind;
    }
    // The same object and the same arrays every time: nothing grows with the trace.
    assert.ok(b === first, 'batch object reused');
    assert.ok(b.kind === kindArr, 'batch arrays reused');
    assert.ok(b.n > 0 && b.n <= BATCH_OPS);
    for (let i = 0; i < b.n; i++) {
      gotId += b.id[i]!;
      gotArg += b.arg[i]!;
    }
    assert.ok(b.line[0]! > lastLine, 'line numbers continue across batches');
    lastLine = b.line[b.n - 1]!;
    total += b.n;
    batches++;
  }
  assert.is(total, n);
  assert.is(batches, Math.ceil(n / BATCH_OPS));
  assert.is(gotId, sumId);
  assert.is(gotArg, sumArg);
  assert.is(lastLine, n + 1);
  // batches() re-reads the file from the start.
  let again = 0;
  for await (const b of src.batches()) again += b.n;
  assert.is(again, n);
});

io('findTraceFiles: directories expand to sorted *.trace and *.trace.gz; missing paths fail', () => {
  const d = path.join(tmp, 'dir');
  fs.mkdirSync(d);
  for (const f of ['b.trace.gz', 'a.trace', 'c.txt', 'a.trace.bak', 'Z.trace']) fs.writeFileSync(path.join(d, f), 'a 0 1\n');
  assert.equal(findTraceFiles([d, path.join(DIR, 'native.trace')]), [
    path.join(d, 'Z.trace'),
    path.join(d, 'a.trace'),
    path.join(d, 'b.trace.gz'),
    path.join(DIR, 'native.trace'),
  ]);
  assert.throws(() => findTraceFiles([path.join(tmp, 'nope')]), (e: SimError) => e.code === 'TRACE_NOT_FOUND');
  assert.throws(() => openTrace(path.join(tmp, 'nope.trace')), (e: SimError) => e.code === 'TRACE_NOT_FOUND');
});

io('writer: gzip when the name ends in .gz, header comments, round trip of every op kind', async () => {
  const t = traceFromText('a 0 10\na 1 20\nr 0 30\nl 1\nu 1\ni 99\nx 1 M\nf 0\nf 1\n');
  const gz = path.join(tmp, 'w.trace.gz');
  const plain = path.join(tmp, 'w.trace');
  assert.is(await writeTrace(gz, ['program: test', 'two'], t.ops), 9);
  await writeTrace(plain, ['program: test', 'two'], [t.ops]);
  const raw = fs.readFileSync(gz);
  assert.is(raw[0], 0x1f);
  assert.is(raw[1], 0x8b);
  assert.is(zlib.gunzipSync(raw).toString(), fs.readFileSync(plain, 'utf8'));
  assert.is(
    fs.readFileSync(plain, 'utf8'),
    `# program: test\n# two\n# ${END_PROMISE}\na 0 10\na 1 20\nr 0 30\nl 1\nu 1\ni 99\nx 1 M\nf 0\nf 1\n# end: 9 ops\n`,
  );
  const back = await loadTrace(gz);
  assert.equal(back.info.header, ['program: test', 'two']);
  assert.equal(Array.from(back.ops.kind), Array.from(t.ops.kind));
  assert.equal(Array.from(back.ops.arg), Array.from(t.ops.arg));
  // Streaming writer with an unwritable path: SimError('IO') (at once: the folder is checked).
  try {
    const w = new TraceWriter(path.join(tmp, 'no-such-dir', 'x.trace'));
    w.op(OP_ALLOC, 0, 1);
    await w.close();
    assert.unreachable('must fail');
  } catch (e) {
    assert.is((e as SimError).code, 'IO');
  }
});

io.run();
