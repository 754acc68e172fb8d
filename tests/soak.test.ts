/**
 * Soak runs (issue 15 item 7): the seeded workload and the `soak` command, in short runs (the
 * long ones are `make soak`, recorded in bench/soak.md). Rules checked:
 * - the workload is a pure function of its seed, and of the right shape: sizes 1 B..heap/4,
 *   frees and reallocs, lock/unlock and idle only for moving allocators, every lock released
 *   before its block is freed, and a valid trace (no op the reader would skip);
 * - every registered allocator runs a short soak with zero violations;
 * - a broken allocator is caught, and the command reports it with exit 1 and how to reproduce.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allocatorNames, getFactory, type AllocatorFactory } from '../src/alloc';
import { loadDevice } from '../src/device';
import { soak, soakTrace, segmentSeed } from '../src/sim/soak';
import { OP_ALLOC, OP_FREE, OP_IDLE, OP_LOCK, OP_REALLOC, OP_UNLOCK, traceFromText, formatOp } from '../src/trace';
import { cli } from './cli-spawn';

const dev = loadDevice('nds');
const t = suite('soak');

t('the workload: deterministic per seed, sizes 1..heap/4, all op kinds, locks released before free, a valid trace', () => {
  const heap = 8192;
  const a = soakTrace({ seed: 5, ops: 20000, heapSize: heap, moving: true });
  const b = soakTrace({ seed: 5, ops: 20000, heapSize: heap, moving: true });
  const c = soakTrace({ seed: 6, ops: 20000, heapSize: heap, moving: true });
  assert.is(a.ops.n, 20000);
  assert.equal(Array.from(a.ops.kind), Array.from(b.ops.kind));
  assert.equal(Array.from(a.ops.arg), Array.from(b.ops.arg));
  assert.not.equal(Array.from(a.ops.arg.slice(0, 100)), Array.from(c.ops.arg.slice(0, 100)));
  const count = new Map<number, number>();
  const locked = new Set<number>();
  let min = Infinity;
  let max = 0;
  let text = '';
  for (let i = 0; i < a.ops.n; i++) {
    const k = a.ops.kind[i]!;
    const x = a.ops.id[i]!;
    count.set(k, (count.get(k) ?? 0) + 1);
    if (k === OP_ALLOC || k === OP_REALLOC) {
      min = Math.min(min, a.ops.arg[i]!);
      max = Math.max(max, a.ops.arg[i]!);
    }
    if (k === OP_LOCK) locked.add(x);
    if (k === OP_UNLOCK) locked.delete(x);
    if (k === OP_FREE) assert.not.ok(locked.has(x), `op ${i} frees locked id ${x}`);
    text += formatOp(k, x, a.ops.arg[i]!) + '\n';
  }
  assert.is(min, 1);
  assert.ok(max <= heap / 4 && max > heap / 8, `max ${max}`);
  for (const k of [OP_ALLOC, OP_FREE, OP_REALLOC, OP_LOCK, OP_UNLOCK, OP_IDLE]) assert.ok((count.get(k) ?? 0) > 100, `kind ${k}: ${count.get(k)}`);
  // The reader accepts every op (strict: a skipped op would throw).
  assert.is(traceFromText(text, 'soak', { strict: true }).ops.n, 20000);
  const still = soakTrace({ seed: 5, ops: 5000, heapSize: heap, moving: false });
  for (let i = 0; i < still.ops.n; i++) assert.ok(still.ops.kind[i]! <= OP_REALLOC, 'non-moving: only alloc/free/realloc');
  assert.is(segmentSeed(9, 0), 9);
  assert.is.not(segmentSeed(9, 1), segmentSeed(9, 2));
});

t('every registered allocator: a short soak, zero violations, every op checked', () => {
  for (const a of allocatorNames()) {
    const r = soak({ device: dev, allocator: a, ops: 1500, seed: 3, heapSize: 16384 });
    assert.is(r.violations, 0, `${a}: ${r.segments[0]?.violation?.message}`);
    assert.is(r.ops, 1500, a);
    assert.ok(r.ooms > 0, `${a}: a quarter-heap workload must run out sometimes`);
  }
});

t('a broken allocator (realloc drops the payload) is caught', () => {
  const base = getFactory('first-fit');
  const broken: AllocatorFactory = {
    ...base,
    name: 'broken',
    create(ctx) {
      const a = base.create(ctx);
      const realloc = a.realloc.bind(a);
      // Moves without copying: realloc as alloc + free.
      a.realloc = (h: number, size: number): number => {
        const n = a.alloc(size);
        if (n === 0) return realloc(h, size);
        a.free(h);
        return n;
      };
      return a;
    },
  };
  const r = soak({ device: dev, allocator: 'broken', factory: broken, ops: 5000, seed: 1, heapSize: 16384 });
  assert.is(r.violations, 1);
  assert.match(r.segments[0]!.violation!.message, /payload|pattern|content/i);
});

t('the command: a line per allocator, exit 0; bad --ops is one line, exit 2', () => {
  const r = cli(['soak', '-a', 'first-fit', '-a', 'rmalloc', '--ops', '2k', '--seed', '11', '--heap', '16KiB']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^soak: 2000 ops per allocator, seed 11, heap 16384 B on nds; each op's blocks checked after it, the whole heap every 1000 ops\n/);
  assert.match(r.stdout, /\nfirst-fit +2000 ops .* 0 violations/);
  assert.match(r.stdout, /\nrmalloc +2000 ops .* 0 violations/);
  const bad = cli(['soak', '--ops', 'lots']);
  assert.is(bad.code, 2);
  assert.is(bad.stderr, 'rmalloc-sim: --ops: "lots" is not a positive op count (e.g. 100000, 250k, 10M) (USAGE)\n');
});

t.run();
