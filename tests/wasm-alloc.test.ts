/**
 * C allocators compiled to wasm32 (src/wasm, design §5a): the harness is exact (examples/first_fit.c
 * against the built-in first-fit, access for access), the bus counters by kind are what a hand
 * count says, the second example runs clean under --check, and bad allocators are caught.
 * Everything is compiled once into a mkdtemp cache (RMALLOC_SIM_CACHE).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDevice } from '../src/device';
import { getFactory } from '../src/alloc';
import { replay } from '../src/sim';
import { minHeap } from '../src/sim/minheap';
import { packOps } from './helpers/pack';
import { randomTrace } from './helpers/gen';
import { loadTrace } from '../src/trace/reader';
import { SimError } from '../src/errors';
import { prepareCAllocators } from '../src/wasm';
import { buildAllocator, compileError } from '../src/wasm/toolchain';
import type { RunConfig } from '../src/sim/types';

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-wasm-test-'));
process.env.RMALLOC_SIM_CACHE = tmp;
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const dev = loadDevice('nds');
const FF = path.join(ROOT, 'examples', 'first_fit.c');
const POOL = path.join(ROOT, 'examples', 'pow2_pool.c');

/** One module of misbehaviours, picked by the request size. */
const BAD = path.join(tmp, 'bad_alloc.c');
fs.writeFileSync(
  BAD,
  `#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
static char *base, *top;
static size_t cap;
void rsim_init(void *heap, size_t size) { base = heap; top = heap; cap = size; }
void *rsim_malloc(size_t n) {
  if (n == 1001) return top + 1;                    /* misaligned */
  if (n == 1002) return base + cap + 64;            /* outside the heap */
  if (n == 1003) return base;                       /* overlaps the first block */
  if (n == 1004) { volatile int spin = 1; while (spin) {} }   /* runaway */
  if (n == 1005) return (void *)(uintptr_t)*(volatile uint32_t *)16;  /* NULL page */
  if (n == 1007) { *(volatile uint32_t *)(base + 2) = 7; return NULL; }   /* misaligned store */
  if (n == 1006) { fprintf(stderr, "bad_alloc: giving up on %zu\\n", n); __builtin_trap(); }
  n = (n + 7) & ~(size_t)7;
  if ((size_t)(top - base) + n > cap) return NULL;
  void *p = top; top += n; return p;
}
void rsim_free(void *p) { (void)p; }
`,
);

let ready: Promise<void> | undefined;
function prepare(): Promise<void> {
  ready ??= prepareCAllocators([FF, POOL, BAD]);
  return ready;
}

const cfg = (allocator: string, extra: Partial<RunConfig> = {}): RunConfig => ({ device: dev, allocator, oom: 'fail', series: false, ...extra });

/** Cumulative heap reads, writes and copy bytes after each op. */
function perOp(trace: ReturnType<typeof packOps>, allocator: string, extra: Partial<RunConfig> = {}): { r: number[]; w: number[]; c: number[]; res: ReturnType<typeof replay> } {
  const r: number[] = [], w: number[] = [], c: number[] = [];
  const res = replay(trace, cfg(allocator, extra), {
    afterOp: (_i, v) => {
      r.push(v.bus.reads);
      w.push(v.bus.writes);
      c.push(v.bus.copyBytes);
    },
  });
  return { r, w, c, res };
}

test('first_fit.c: same heap reads and writes on every op and same metrics as first-fit (bundled traces)', async () => {
  await prepare();
  for (const name of ['busybox-ls-lR', 'lighttpd-burst', 'flac-decode', 'bzip2-9', 'djpeg-progressive']) {
    const trace = await loadTrace(path.join(ROOT, 'firmware-traces', `${name}.trace.gz`));
    const ts = perOp(trace, 'first-fit');
    const c = perOp(trace, 'first_fit.c');
    assert.is(c.res.status, 'ok', name);
    for (let i = 0; i < ts.r.length; i++) {
      if (ts.r[i] !== c.r[i] || ts.w[i] !== c.w[i] || ts.c[i] !== c.c[i])
        assert.unreachable(`${name} op ${i}: TS reads/writes/copy ${ts.r[i]}/${ts.w[i]}/${ts.c[i]}, C ${c.r[i]}/${c.w[i]}/${c.c[i]}`);
    }
    assert.is(c.r.length, ts.r.length);
    const { wallMs: _a, allocator: _b, params: _c, bus: bt, cycles: _d, series: _e, ...tsRest } = ts.res;
    const { wallMs: _f, allocator: _g, params: _h, bus: bc, cycles: _i, series: _j, ...cRest } = c.res;
    tsRest.summary = { ...tsRest.summary, usPerOp: 0 };
    cRest.summary = { ...cRest.summary, usPerOp: 0 };
    assert.equal(cRest, tsRest, name);
    assert.equal(bc.metadata.reads, bt.metadata.reads);
    assert.equal(bc.metadata.bytesWritten, bt.metadata.bytesWritten);
    assert.equal(bc.copy, bt.copy);
    assert.ok(bc.aluEstimated && !bt.aluEstimated);
    assert.ok(bc.statics.reads > 0, 'the C version reads its statics (heap bounds, granule)');
  }
});

test('first_fit.c: the same minimum heap to the byte as first-fit (bundled traces)', async () => {
  await prepare();
  for (const name of ['lighttpd-burst', 'flac-decode']) {
    const trace = await loadTrace(path.join(ROOT, 'firmware-traces', `${name}.trace.gz`));
    const a = minHeap(trace, cfg('first-fit'));
    const b = minHeap(trace, cfg('first_fit.c'));
    assert.is(b.minHeap, a.minHeap, name);
    assert.is(b.idealFootprint, a.idealFootprint, name);
  }
});

test('bus counters by kind, counted by hand (first-fit and first_fit.c: a 24; f)', async () => {
  await prepare();
  // alloc: head, then the first block's size and next (3 reads); the front cut replaces the
  // block in the list (2 link reads; next, prev and head written) and writes the remainder's
  // header and footer and the block's header: 5 reads, 6 writes. free: the header, the
  // successor's header, replace (2 reads; 3 writes) and the merged block's header and footer:
  // 4 reads, 5 writes.
  const t = packOps('hand', [['a', 1, 24], ['f', 1]]);
  for (const a of ['first-fit', 'first_fit.c']) {
    const r = replay(t, cfg(a));
    assert.equal(r.bus.metadata, { reads: 9, writes: 11, bytesRead: 36, bytesWritten: 44, cycles: r.bus.metadata.cycles }, a);
    assert.equal(r.bus.copy, { bytes: 0, accesses: 0, cycles: 0 });
    assert.is(r.bus.cycles, r.bus.metadata.cycles + r.bus.aluCycles + r.bus.statics.cycles, a);
    assert.is(r.bus.cycles, r.cycles.total, a);
  }
  // Realloc that moves: the copy is charged as a memmove of min(usable, new) bytes.
  const m = packOps('move', [['a', 1, 24], ['a', 2, 8], ['r', 1, 100]]);
  for (const a of ['first-fit', 'first_fit.c']) {
    const r = replay(m, cfg(a));
    assert.is(r.bus.copy.bytes, 28, a); // need(24) = 32: usable 28
    assert.is(r.bus.copy.accesses, 7, a);
  }
});

test('statics and stack are device RAM: DTCM on the nds, counted apart', async () => {
  await prepare();
  const a = getFactory('first_fit.c').create({ bus: new (require('../src/bus').MemoryBus)(dev, [{ name: 'h', region: 'main', base: 0x02180000, size: 65536 }]), heaps: [{ name: 'h', region: 'main', base: 0x02180000, size: 65536 }], alignment: 8, params: { budget: 1e6 } }) as unknown as { statics: { region: string; base: number }; H: number; D: number };
  assert.is(a.statics.region, 'dtcm');
  assert.is(a.statics.base, 0x0b000000);
  assert.is(a.H % 65536, a.D % 65536);
});

test('pow2_pool.c: seeded random runs clean under --check', async () => {
  await prepare();
  for (const seed of [1, 2, 3]) {
    const t = randomTrace({ seed, ops: 3000, maxSize: 3000, liveTarget: 60, reallocRate: 0.1, drain: true });
    const r = replay(t, cfg('pow2_pool.c', { check: true, heapSize: 256 * 1024, whatIf: true }));
    assert.is(r.status, 'ok', `seed ${seed}: ${r.violation?.message}`);
    assert.ok(r.conservation.ok);
    assert.is(r.errors.length, 0);
  }
});

test('black box without observers: largest probed on a snapshot, equal to the exact answer', async () => {
  await prepare();
  const t = packOps('bump', [['a', 1, 100], ['a', 2, 200], ['f', 1]]);
  const r = replay(t, cfg('bad_alloc.c', { heapSize: 4096, whatIf: true, check: true }));
  assert.is(r.status, 'ok', r.violation?.message);
  // The bump allocator never reuses: after 104 + 200 bytes, 4096 - 304 remain.
  assert.is(r.summary.minLargest, 4096 - 304);
  // Its high water mark: the top of the second block it handed out.
  assert.is(r.bus.heapHighWater, 304);
});

test('bad blocks are caught by the checker; runaway and traps are error events; stray accesses fault', async () => {
  await prepare();
  const run = (size: number, check = true) => replay(packOps('bad', [['a', 1, 8], ['a', 2, size], ['a', 3, 8]]), cfg('bad_alloc.c', { check, heapSize: 4096, whatIf: true }));
  let r = run(1001);
  assert.is(r.status, 'violation');
  assert.match(r.violation!.message, /align/i);
  r = run(1002);
  assert.is(r.status, 'violation');
  assert.match(r.violation!.message, /heap|fault/i);
  r = run(1003);
  assert.is(r.status, 'violation');
  assert.match(r.violation!.message, /overlap|pattern|payload/i);
  r = run(1004, false);
  assert.is(r.status, 'ok');
  assert.is(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /budget/);
  assert.is(r.summary.opsRun, 3);
  r = run(1005, false);
  assert.is(r.status, 'violation');
  assert.match(r.violation!.message, /bus fault \(unmapped\): 32-bit access at 0x00000010\b/);
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    r = run(1006, false);
  } finally {
    process.stderr.write = write;
  }
  assert.is(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /trapped.*giving up on 1006/);
  // A misaligned word store in the heap follows the profile: a fault on the nds (ARMv5), split
  // into byte accesses on the stm32f4 (Cortex-M4).
  r = run(1007, false);
  assert.is(r.status, 'violation');
  assert.match(r.violation!.message, /misaligned/);
  const stm = loadDevice('stm32f4');
  const s = replay(packOps('mis', [['a', 1, 1007]]), { device: stm, allocator: 'bad_alloc.c', oom: 'fail', series: false });
  assert.is(s.status, 'ok', s.violation?.message);
  assert.is(s.bus.metadata.writes, 4);
  assert.throws(() => replay(packOps('avr', [['a', 1, 8]]), { device: loadDevice('avr-uno'), allocator: 'bad_alloc.c', oom: 'fail' }), /32-bit pointers/);
});

test('bad input: compile error with file:line, missing export named, no clang gives the install line', async () => {
  const bad = path.join(tmp, 'syntax.c');
  fs.writeFileSync(bad, 'void *rsim_malloc(size_t n) {\n  return n +;\n}\n');
  const e1 = await buildAllocator([bad], []).catch((e: unknown) => e);
  assert.instance(e1, SimError);
  assert.is((e1 as SimError).file, bad);
  assert.is((e1 as SimError).line, 1);
  assert.match((e1 as SimError).oneLine(), /syntax\.c:1: error: unknown type name 'size_t'/);
  const half = path.join(tmp, 'half.c');
  fs.writeFileSync(half, '#include <stddef.h>\nvoid rsim_init(void *h, size_t n) {}\nvoid *rsim_malloc(size_t n) { return 0; }\n');
  const e2 = await buildAllocator([half], []).catch((e: unknown) => e);
  assert.match((e2 as Error).message, /does not define rsim_free/);
  process.env.RMALLOC_SIM_CLANG = path.join(tmp, 'no-such-clang');
  try {
    const e3 = await buildAllocator([half], ['-DX=1']).catch((e: unknown) => e);
    assert.match((e3 as Error).message, /apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32/);
  } finally {
    delete process.env.RMALLOC_SIM_CLANG;
  }
  assert.match(compileError('wasm-ld: error: cannot open /usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a: No such file or directory', ['x.c']).message, /apt-get install/);
});

test('the cache: one build per content, safe when builds race', async () => {
  const src = path.join(tmp, 'race.c');
  fs.writeFileSync(src, fs.readFileSync(POOL, 'utf8').replace('#define HDR 4u', '#define HDR 4u /* race */'));
  const [a, b] = await Promise.all([buildAllocator([src], []), buildAllocator([src], [])]);
  assert.is(a.key, b.key);
  assert.equal(Buffer.from(a.bytes), Buffer.from(b.bytes));
  const dir = path.dirname(a.file);
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  const c = await buildAllocator([src], ['-DNDEBUG']);
  assert.is.not(c.key, a.key, 'flags are part of the key');
});

test.run();
