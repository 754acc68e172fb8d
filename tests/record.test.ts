/**
 * The recorder end to end: tests/fixtures/record/allocs.c (compiled once here) makes known heap
 * calls per scenario; each trace must be exactly what the program did. Also the raw-log
 * converter on hand-written logs, the ELF check, and the CLI's output and errors.
 */
import { cli as spawnCli } from './cli-spawn';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SimError } from '../src/errors';
import { RawLogConverter, rawlogImporter } from '../src/trace/import-rawlog';
import { checkRecordable, dualPreload, ensureInterposer, inspectProgram, record } from '../src/trace/record';
import type { RecordedTrace, RecordOptions } from '../src/trace/record';
import type { OpSink } from '../src/trace/types';
import { generate, GENERATORS } from '../scripts/gen-synthetic';

const ROOT = path.resolve(__dirname, '..');
const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'record', 'allocs.c');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-record-test-'));
const cacheDir = path.join(work, 'cache');
const bin = path.join(work, 'allocs');

function compileFixture(): void {
  const r = spawnSync('cc', ['-O0', '-pthread', '-o', bin, FIXTURE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot compile the fixture: ${r.stderr}`);
}

let outN = 0;
async function rec(args: string[], extra: Partial<RecordOptions> = {}): Promise<{ traces: RecordedTrace[]; exitCode: number | null; signal: string | null }> {
  const outDir = path.join(work, `out${outN++}`);
  return record({ argv: [bin, ...args], outDir, cacheDir, stdout: 'ignore', ...extra });
}

/** The op lines of a trace file (gunzipped if needed). */
function body(file: string): string[] {
  let buf = fs.readFileSync(file);
  if (file.endsWith('.gz')) buf = zlib.gunzipSync(buf);
  return buf.toString('utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

function header(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('#'));
}

async function rejects(p: Promise<unknown> | (() => unknown), re: RegExp, code = 'RECORD'): Promise<SimError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.instance(e, SimError, String(e));
    const se = e as SimError;
    assert.is(se.code, code);
    assert.match(se.message, re);
    return se;
  }
  assert.unreachable(`expected an error matching ${re}`);
  throw new Error('unreachable');
}

// The "basic" scenario, op by op (see the comments in allocs.c).
const BASIC = [
  'a 0 100', // malloc(100)
  'a 1 200', // calloc(10, 20)
  'a 2 30', // realloc(NULL, 30)
  // free(NULL): skipped
  'r 0 5000', // realloc(p1, 5000)
  'f 2', // realloc(p3, 0)
  'a 2 256', // posix_memalign(64, 256): id 2 reused
  'a 3 512', // aligned_alloc(128, 512)
  'a 4 48', // memalign(32, 48)
  'a 5 100', // valloc(100)
  'a 6 100', // pvalloc(100)
  'a 7 100', // reallocarray(NULL, 4, 25)
  // malloc(huge) fails: skipped
  'f 1', // free(p2)
  'a 1 7', // malloc(7): smallest free id
  'a 8 0', // malloc(0)
  'r 7 200', // reallocarray(p9, 5, 40)
  'f 0',
  'f 2',
  'f 3',
  'f 4',
  'f 5',
  'f 6',
  'f 7',
  'f 1',
  'f 8',
];
// Live bytes peak after the reallocarray(NULL, 4, 25): 5000+200+256+512+48+100+100+100.
const BASIC_PEAK = 5000 + 200 + 256 + 512 + 48 + 100 + 100 + 100;

const Rec = suite('record: the fixture program');

// The CLI runs (suite "command line") start at once, in the background: each pays ts-node's
// start-up, which would otherwise dominate this file's run time.
const cliOut = path.join(work, 'cli-out');
let cliRecord: Promise<CliResult>;
let cliMissing: Promise<CliResult>;

Rec.before(() => {
  compileFixture();
  ensureInterposer({ cacheDir }); // built once, before the CLI processes look for it
  cliRecord = cli(['record', '-o', cliOut, '-z', '--', bin, 'exit']);
  cliMissing = cli(['record', '--', 'no-such-program-rmalloc', 'x']);
});


Rec('every allocation function, realloc(NULL)/realloc(p, 0), free(NULL): the exact trace', async () => {
  const r = await rec(['basic']);
  assert.is(r.exitCode, 0);
  assert.is(r.traces.length, 1);
  const t = r.traces[0]!;
  assert.ok(t.root);
  assert.equal(body(t.path), BASIC);
  assert.is(t.ops, BASIC.length);
  assert.is(t.peakLive, BASIC_PEAK);
  assert.is(t.aligned, 5);
  assert.is(t.maxAlign, 4096); // valloc/pvalloc: the page size
  assert.equal(
    t.skipped.map((s) => [s.reason, s.count]),
    [
      ['free(NULL)', 1],
      ['failed allocation (NULL result)', 1],
    ],
  );
  assert.is(t.calls.calloc, 1);
  assert.is(t.calls.posix_memalign, 1);
  assert.is(t.calls.reallocarray, 2);
  const h = header(t.path);
  assert.ok(h.includes(`# program: ${bin}`), h.join('\n'));
  assert.ok(h.includes(`# command: ${bin} basic`));
  assert.ok(h.some((l) => /^# date: \d{4}-\d\d-\d\dT/.test(l)));
  assert.ok(h.some((l) => /^# platform: Linux \S+ \S+/.test(l)));
  const n = (c: string): number => BASIC.filter((l) => l[0] === c).length;
  assert.ok(h.includes(`# ops: ${BASIC.length} (allocs ${n('a')}, frees ${n('f')}, reallocs ${n('r')}); ids: 9; peak live bytes: ${BASIC_PEAK}; max size: 5000`), h.join('\n'));
  assert.ok(h.includes('# skipped: free(NULL) 1; failed allocation (NULL result) 1'));
});

Rec('fork: parent and child traces apart, the child starting with the block it inherited', async () => {
  const r = await rec(['fork']);
  assert.is(r.traces.length, 2);
  const [parent, child] = r.traces as [RecordedTrace, RecordedTrace];
  assert.ok(parent.root);
  assert.not.ok(child.root);
  assert.ok(child.forked);
  assert.is(child.ppid, parent.pid);
  assert.equal(body(parent.path), ['a 0 111', 'a 1 333', 'f 1', 'f 0']);
  assert.equal(body(child.path), ['a 0 111', 'a 1 222', 'f 0', 'f 1']);
  assert.is(child.inherited, 1);
  assert.is(child.peakLive, 333);
  assert.ok(header(child.path).some((l) => l.startsWith(`# inherited: 1 blocks (111 bytes) live in the parent (pid ${parent.pid})`)));
});

Rec('threads: two threads at once, every op present, ids consistent', async () => {
  const r = await rec(['threads']);
  assert.is(r.traces.length, 1);
  const ops = body(r.traces[0]!.path);
  const live = new Map<number, number>();
  const allocs = [0, 0];
  let reallocs = 0;
  const seen = new Set<number>();
  for (const line of ops) {
    const [k, idS, sizeS] = line.split(' ');
    const id = Number(idS);
    const size = Number(sizeS);
    if (k === 'a') {
      assert.not.ok(live.has(id), `alloc of live id ${id}`);
      live.set(id, size);
      for (const [w, base] of [10000, 20000].entries()) {
        if (size >= base && size < base + 5000) {
          assert.not.ok(seen.has(size), `size ${size} twice`);
          seen.add(size);
          allocs[w]!++;
        }
      }
    } else if (k === 'f') {
      assert.ok(live.has(id), `free of dead id ${id}`);
      live.delete(id);
    } else if (k === 'r') {
      assert.ok(live.has(id), `realloc of dead id ${id}`);
      assert.is(size, live.get(id)! + 1); // each worker grows a fresh block by one byte
      live.set(id, size);
      reallocs++;
    } else assert.unreachable(line);
  }
  assert.equal(allocs, [5000, 5000]);
  assert.is(reallocs, 2000);
  for (const size of live.values()) assert.ok(size < 10000, 'every worker block was freed');
  // Ids stay compact: at most 8 live per worker plus a few from pthread itself.
  assert.ok(Math.max(...ops.map((l) => Number(l.split(' ')[1]))) < 32);
});

Rec('_exit without flushing and a SIGKILL: the records are there', async () => {
  const ex = await rec(['exit']);
  assert.is(ex.exitCode, 3);
  assert.equal(body(ex.traces[0]!.path), ['a 0 10', 'a 1 20', 'f 0']);
  const k = await rec(['crash']);
  assert.is(k.signal, 'SIGKILL');
  assert.equal(body(k.traces[0]!.path), ['a 0 10']);
});

Rec('exec: the image before and after exec are separate traces of one pid', async () => {
  const r = await rec(['exec']);
  assert.is(r.traces.length, 2);
  const [before, after] = r.traces as [RecordedTrace, RecordedTrace];
  assert.is(before.pid, after.pid);
  assert.is(before.image, 0);
  assert.is(after.image, 1);
  assert.equal(body(before.path), ['a 0 55']);
  assert.equal(body(after.path), BASIC);
  assert.equal(after.args, ['allocs', 'basic']);
});

Rec('fork + exec: parent, child before exec and the exec image apart', async () => {
  const r = await rec(['fork-exec']);
  assert.is(r.exitCode, 0);
  assert.is(r.traces.length, 3);
  const [parent, child, image] = r.traces as [RecordedTrace, RecordedTrace, RecordedTrace];
  assert.equal(body(parent.path), ['a 0 66', 'f 0']);
  assert.equal(body(child.path), ['a 0 66', 'a 1 77']); // inherited, then its own
  assert.is(child.pid, image.pid);
  assert.not.ok(image.forked);
  assert.equal(body(image.path), BASIC);
});

Rec('--keep and --name select one trace; gzip output is the same trace', async () => {
  const outDir = path.join(work, 'named');
  const r = await record({ argv: [bin, 'fork-exec'], outDir, cacheDir, keep: ['allocs'], name: 'x', stdout: 'ignore' }).catch((e) => e);
  assert.instance(r, SimError); // three traces are all "allocs"
  assert.match((r as SimError).message, /exactly one trace but 3/);
  const g = await record({ argv: [bin, 'basic'], outDir, cacheDir, gzip: true, name: 'basic', stdout: 'ignore' });
  assert.is(g.traces[0]!.path, path.join(outDir, 'basic.trace.gz'));
  assert.equal(body(g.traces[0]!.path), BASIC);
});

Rec('a static program, a missing program, no C compiler: RECORD errors', async () => {
  const stat = path.join(work, 'allocs-static');
  const r = spawnSync('cc', ['-static', '-O0', '-pthread', '-o', stat, FIXTURE]);
  if (r.status === 0) {
    await rejects(record({ argv: [stat, 'basic'], outDir: work, cacheDir }), /statically linked/);
  }
  await rejects(record({ argv: ['no-such-program-rmalloc'], outDir: work, cacheDir }), /program not found in PATH: no-such-program-rmalloc/);
  await rejects(record({ argv: ['./missing/prog'], outDir: work, cacheDir }), /program not found: \.\/missing\/prog/);
  await rejects(() => ensureInterposer({ cc: '/nonexistent/cc', cacheDir: path.join(work, 'fresh-cache') }), /no C compiler: "\/nonexistent\/cc" not found/);
  const notElf = path.join(work, 'data.bin');
  fs.writeFileSync(notElf, 'hello', { mode: 0o755 });
  await rejects(() => checkRecordable(notElf), /not an ELF executable/);
});

Rec('pointer size: the header says pointer-bytes; an i386 build (cc -m32) records 32-bit sizes', async () => {
  const r64 = await rec(['structs']);
  assert.equal(body(r64.traces[0]!.path), ['a 0 32', 'f 0']);
  assert.is(r64.traces[0]!.pointerBytes, 8);
  assert.ok(header(r64.traces[0]!.path).includes('# pointer-bytes: 8'));
  await rejects(rec(['structs'], { arch: 'i386' }), /--arch i386 asks for a 32-bit program, but this one is 64-bit/);
  await rejects(rec(['structs'], { arch: 'vax' }), /--arch vax is not one this host records/, 'USAGE');
  // The i386 build needs a 32-bit C library (gcc-multilib) and a kernel or emulator that runs
  // i386 programs (scripts/recorder/binfmt-i386.sh); without them this part cannot run here.
  const bin32 = path.join(work, 'allocs32');
  const built = process.arch === 'x64' && spawnSync('cc', ['-m32', '-O0', '-pthread', '-o', bin32, FIXTURE]).status === 0;
  if (!built || spawnSync(bin32, ['structs']).status !== 0) {
    process.stderr.write('record test: no i386 build or no way to run it here (gcc-multilib, binfmt-i386.sh): 32-bit recording not exercised\n');
    return;
  }
  const r32 = await record({ argv: [bin32, 'structs'], outDir: path.join(work, 'out32'), cacheDir, stdout: 'ignore', arch: 'i386' });
  assert.equal(body(r32.traces[0]!.path), ['a 0 16', 'f 0']);
  assert.is(r32.traces[0]!.pointerBytes, 4);
  const h = header(r32.traces[0]!.path);
  assert.ok(h.includes('# pointer-bytes: 4'), h.join('\n'));
  assert.ok(h.some((l) => /^# build: i386 \(32-bit program/.test(l)), h.join('\n'));
  // Detected from the ELF class without --arch.
  const mixed = await record({ argv: [bin32, 'structs'], outDir: path.join(work, 'out32b'), cacheDir, stdout: 'ignore' });
  assert.equal(body(mixed.traces[0]!.path), ['a 0 16', 'f 0']);
});

const Elf = suite('record: ELF check');

/** A minimal 64-bit little-endian x86-64 ELF header with the given program header types. */
function craftElf(types: number[], interp = '/lib64/ld-linux-x86-64.so.2'): Buffer {
  const phoff = 64;
  const interpOff = phoff + 56 * types.length;
  const b = Buffer.alloc(interpOff + interp.length + 1);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // 64-bit
  b[5] = 1; // little-endian
  b[6] = 1;
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(62, 18); // EM_X86_64
  b.writeBigUInt64LE(BigInt(phoff), 32);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(types.length, 56);
  types.forEach((t, i) => {
    const o = phoff + 56 * i;
    b.writeUInt32LE(t, o);
    if (t === 3) {
      b.writeBigUInt64LE(BigInt(interpOff), o + 8);
      b.writeBigUInt64LE(BigInt(interp.length + 1), o + 32);
    }
  });
  b.write(interp, interpOff, 'latin1');
  return b;
}

Elf('PT_INTERP present = dynamic, absent = static; scripts follow their interpreter', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-elf-'));
  try {
    const dyn = path.join(dir, 'dyn');
    const stat = path.join(dir, 'stat');
    fs.writeFileSync(dyn, craftElf([6, 3, 1]));
    fs.writeFileSync(stat, craftElf([1, 1]));
    assert.equal(inspectProgram(dyn), { kind: 'elf', interp: '/lib64/ld-linux-x86-64.so.2', machine: 62, bits: 64 });
    assert.equal(inspectProgram(stat), { kind: 'elf', interp: null, machine: 62, bits: 64 });
    if (process.arch === 'x64') {
      assert.is(checkRecordable(dyn).file, dyn);
      assert.is(checkRecordable(dyn).bits, 64);
      assert.throws(() => checkRecordable(stat), (e: unknown) => e instanceof SimError && /statically linked/.test(e.message));
    }
    const script = path.join(dir, 'script');
    fs.writeFileSync(script, `#!${stat} -x\necho hi\n`, { mode: 0o755 });
    fs.chmodSync(stat, 0o755);
    assert.equal(inspectProgram(script), { kind: 'script', interp: stat });
    if (process.arch === 'x64') {
      assert.throws(() => checkRecordable(script), (e: unknown) => e instanceof SimError && e.file === stat);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Elf('an i386 ELF is recordable on x86-64; both interposers are reached through $LIB', () => {
  if (process.arch !== 'x64') return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-elf32-'));
  try {
    // A minimal 32-bit little-endian ELF: header, one PT_INTERP program header, the path.
    const elf32 = (machine: number): Buffer => {
      const interp = '/lib/ld-linux.so.2';
      const b = Buffer.alloc(52 + 32 + interp.length + 1);
      b.writeUInt32BE(0x7f454c46, 0);
      b[4] = 1; // 32-bit
      b[5] = 1;
      b[6] = 1;
      b.writeUInt16LE(2, 16);
      b.writeUInt16LE(machine, 18);
      b.writeUInt32LE(52, 28); // e_phoff
      b.writeUInt16LE(32, 42); // e_phentsize
      b.writeUInt16LE(1, 44); // e_phnum
      b.writeUInt32LE(3, 52); // PT_INTERP
      b.writeUInt32LE(84, 56); // p_offset
      b.writeUInt32LE(interp.length + 1, 68); // p_filesz
      b.write(interp, 84, 'latin1');
      return b;
    };
    fs.writeFileSync(path.join(dir, 'i386'), elf32(3));
    fs.writeFileSync(path.join(dir, 'arm'), elf32(40));
    assert.equal(checkRecordable(path.join(dir, 'i386')), { file: path.join(dir, 'i386'), bits: 32 });
    assert.throws(() => checkRecordable(path.join(dir, 'arm')), (e: unknown) => e instanceof SimError && /ELF machine 40, 32-bit.*runs x64 and i386 programs/.test(e.message));
    const preload = dualPreload('/so/64.so', '/so/32.so', { cacheDir: dir });
    assert.match(preload, /\/\$LIB\/interpose\.so$/);
    const base = preload.slice(0, -'/$LIB/interpose.so'.length);
    assert.is(fs.readlinkSync(path.join(base, 'lib/x86_64-linux-gnu/interpose.so')), '/so/64.so');
    assert.is(fs.readlinkSync(path.join(base, 'lib/i386-linux-gnu/interpose.so')), '/so/32.so');
    assert.is(fs.readlinkSync(path.join(base, 'lib32/interpose.so')), '/so/32.so');
    assert.is(dualPreload('/so/64.so', '/so/32.so', { cacheDir: dir }), preload); // made once
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const Raw = suite('record: raw log conversion');

function convert(text: string, inherit?: RawLogConverter['liveBlocks']): { ops: string[]; skips: [string, number][]; conv: RawLogConverter } {
  const ops: string[] = [];
  const skips: [string, number][] = [];
  const sink: OpSink = {
    op: (k, id, arg) => ops.push(k === 1 ? `f ${id}` : `${'afr'[k]} ${id} ${arg}`),
    skip: (reason, line) => skips.push([reason, line]),
    comment: () => undefined,
  };
  const conv = new RawLogConverter('raw.log', sink, inherit ? { inherit: () => inherit() } : {});
  text.split('\n').forEach((l, i) => conv.line(l, i + 1));
  conv.end();
  return { ops, skips, conv };
}

const HEAD = '# rmalloc-rec 1\n# pid 7\n# ppid 1\n# image 0\n# forked 0\n# exe /bin/x\n# arg x\n# arg a\\nb\n';

Raw('ids reused smallest first; unknown frees skipped and counted; realloc moves keep the id', () => {
  const { ops, skips, conv } = convert(
    `${HEAD}0 M a0 10\n1 M b0 20\n2 M c0 30\n3 F c0 0\n4 F a0 0\n5 F dead 0\n6 M d0 40\n7 M e0 50\n8 R f0 60 b0\n9 F b0 0\n10 F f0 0\n11 R 0 5 d0\n`,
  );
  assert.equal(ops, ['a 0 10', 'a 1 20', 'a 2 30', 'f 2', 'f 0', 'a 0 40', 'a 2 50', 'r 1 60', 'f 1']);
  assert.equal(skips, [
    ['free of an unknown pointer', 14],
    ['free of an unknown pointer', 18], // b0 moved to f0 by the realloc
    ['failed realloc (block left in place)', 20],
  ]);
  assert.equal(conv.meta.args, ['x', 'a\nb']);
  assert.is(conv.stats.liveAtEnd, 2);
});

Raw('the zero-filled tail ends the log; a record cut short is counted', () => {
  const { ops, skips, conv } = convert(`${HEAD}0 M a0 10\n1 M b0 2\0\0\0\0`);
  assert.equal(ops, ['a 0 10']);
  assert.equal(skips, [['truncated last record (process died while writing)', 10]]);
  assert.ok(conv.stats.truncated);
});

Raw('a fork child starts with the inherited blocks and keeps their ids', () => {
  const { ops } = convert(`${HEAD}# forked-from 6 0 12\n0 F b0 0\n1 M c1 5\n2 M d1 6\n`, () => [
    { addr: 'b0', id: 3, size: 20 },
    { addr: 'a0', id: 1, size: 10 },
  ]);
  assert.equal(ops, ['a 1 10', 'a 3 20', 'f 3', 'a 0 5', 'a 2 6']);
});

Raw('malformed records are TRACE_SYNTAX errors with the line', async () => {
  const cases: [string, RegExp][] = [
    ['0 M a0 10\n2 M b0 10\n', /sequence number 2 out of order \(expected 1\)/],
    ['0 Q a0 10\n', /unknown record kind "Q"/],
    ['0 M zz 10\n', /bad address "zz"/],
    ['0 R a0 10\n', /record kind R needs fifth field/],
    ['0 M a0 -1\n', /bad size "-1"/],
  ];
  for (const [text, re] of cases) {
    const e = await rejects(() => convert(HEAD + text), re, 'TRACE_SYNTAX');
    assert.is(e.file, 'raw.log');
    assert.ok((e.line ?? 0) >= 9, `line ${e.line}`);
  }
  await rejects(() => convert('0 M a0 10\n'), /"# rmalloc-rec 1" header is missing/, 'TRACE_SYNTAX');
  assert.ok(rawlogImporter.detect(['# rmalloc-rec 1', '# pid 3']));
  assert.not.ok(rawlogImporter.detect(['# program: x', 'a 0 1']));
});

const Gen = suite('record: synthetic generators');

/** Ops, peak live and the largest live id count, recounted from the text. */
function recount(lines: string[]): { ops: number; peak: number; maxLiveIds: number } {
  const live = new Map<number, number>();
  let sum = 0;
  let peak = 0;
  let maxLiveIds = 0;
  for (const l of lines) {
    const [k, idS, sizeS] = l.split(' ');
    const id = Number(idS);
    if (k === 'a') {
      assert.not.ok(live.has(id), l);
      live.set(id, Number(sizeS));
      sum += Number(sizeS);
    } else if (k === 'f') {
      assert.ok(live.has(id), l);
      sum -= live.get(id)!;
      live.delete(id);
    } else {
      assert.is(k, 'r');
      assert.ok(live.has(id), l);
      sum += Number(sizeS) - live.get(id)!;
      live.set(id, Number(sizeS));
    }
    peak = Math.max(peak, sum);
    maxLiveIds = Math.max(maxLiveIds, live.size);
  }
  return { ops: lines.length, peak, maxLiveIds };
}

Gen('seeded and deterministic; header counts match a recount; ids compact', async () => {
  const dir = path.join(work, 'gen');
  fs.mkdirSync(dir, { recursive: true });
  for (const kind of Object.keys(GENERATORS)) {
    const a = await generate(kind, path.join(dir, `${kind}-a.trace.gz`), { scale: 0.1 });
    const b = await generate(kind, path.join(dir, `${kind}-b.trace.gz`), { scale: 0.1 });
    const c = await generate(kind, path.join(dir, `${kind}-c.trace.gz`), { scale: 0.1, seed: 99 });
    assert.ok(fs.readFileSync(a.path).equals(fs.readFileSync(b.path)), `${kind}: same seed, same bytes`);
    assert.not.equal(body(a.path), body(c.path), `${kind}: another seed, another trace`);
    const lines = body(a.path);
    const r = recount(lines);
    assert.is(r.ops, a.ops);
    assert.is(r.peak, a.peakLive);
    const ids = new Set(lines.map((l) => Number(l.split(' ')[1])));
    assert.is(ids.size, Math.max(...ids) + 1, `${kind}: ids 0..n-1`);
    assert.is(ids.size, r.maxLiveIds, `${kind}: freed ids reused`);
    const h = zlib.gunzipSync(fs.readFileSync(a.path)).toString('utf8');
    assert.ok(h.startsWith('# SYNTHETIC trace'), kind);
  }
});

const Cli = suite('record: command line');


Cli.after(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<CliResult> {
  // The shared spawn helper: a once-transpiled copy of the CLI (a ts-node spawn costs seconds).
  const r = spawnCli(args, { cwd: work, env: { RMALLOC_SIM_CACHE: cacheDir } });
  return Promise.resolve({ status: r.code, stdout: r.stdout, stderr: r.stderr });
}

Cli('record -o DIR -z -- prog: prints the traces, op counts, peak live and the exit code', async () => {
  const out = cliOut;
  const r = await cliRecord;
  assert.is(r.status, 0, r.stderr);
  const files = fs.readdirSync(out);
  assert.is(files.length, 1);
  assert.match(files[0]!, /^allocs\.\d+\.trace\.gz$/);
  assert.equal(body(path.join(out, files[0]!)), ['a 0 10', 'a 1 20', 'f 0']);
  assert.match(r.stdout, new RegExp(`${path.join(out, files[0]!).replace(/\./g, '\\.')}`));
  assert.match(r.stdout, /3 ops \(a 2, f 1, r 0\), peak live 30 bytes/);
  assert.match(r.stdout, /program exited with code 3/);
});

Cli('a missing program: one line on stderr, exit 2', async () => {
  const r = await cliMissing;
  assert.is(r.status, 2);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'rmalloc-sim: program not found in PATH: no-such-program-rmalloc (RECORD)\n');
});

Rec.run();
Elf.run();
Raw.run();
Gen.run();
Cli.run();
