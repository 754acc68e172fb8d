/**
 * Replays in slices (src/sim/stream.ts, issue 15 items 4 and 6): replayStream replays a trace
 * batch by batch as a reader hands it over (with a lock model applied as it streams),
 * replayAsync a packed trace with turns of the event loop. Both must give replay's result
 * exactly (events, lines, violations, series), and a streamed replay must hold no op beyond its
 * batch: memory does not grow with the trace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { loadDevice } from '../src/device';
import { getFactory, type AllocatorFactory } from '../src/alloc';
import { canStream, replay, replayAsync, replayStream, streamFacts, streamOf, traceFacts, type RunConfig, type RunResult } from '../src/sim';
import { applyLockModel, lockedSource, type LockedSource } from '../src/sim/locks';
import { OP_ALLOC, OP_FREE, type OpBatch, type PackedTrace, type TraceSource } from '../src/trace';
import { randomTrace } from './helpers/gen';
import { packOps, type OpTuple } from './helpers/pack';

const dev = loadDevice('nds');

/** A TraceSource over a packed trace in batches of `size` ops, one reused OpBatch (as the reader does). */
function sourceOf(t: PackedTrace, size: number): TraceSource {
  const b: OpBatch = { n: 0, kind: new Uint8Array(size), id: new Float64Array(size), arg: new Float64Array(size), line: new Float64Array(size) };
  return {
    info: t.info,
    skipped: () => t.skipped,
    batches: () => ({
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < t.ops.n; i += size) {
          const e = Math.min(t.ops.n, i + size);
          b.kind.set(t.ops.kind.subarray(i, e));
          b.id.set(t.ops.id.subarray(i, e));
          b.arg.set(t.ops.arg.subarray(i, e));
          b.line.set(t.ops.line.subarray(i, e));
          b.n = e - i;
          yield b;
          b.n = 0; // as the reader: the batch is refilled after the consumer is done with it
        }
      },
    }),
  };
}

const noWall = (r: RunResult): RunResult => ({ ...r, wallMs: 0 });

async function streamed(t: PackedTrace, cfg: RunConfig, size: number): Promise<RunResult> {
  const src = streamOf(sourceOf(t, size), cfg)!;
  const facts = await streamFacts(src);
  const packed = applyLockModel(t, cfg.locks ?? 'none', cfg.seed ?? 1);
  assert.equal(facts, traceFacts(packed), 'the first pass finds the facts of the packed trace (lock model applied)');
  assert.ok(canStream(facts));
  return replayStream(src, facts, cfg);
}

const t = randomTrace({ seed: 15, ops: 20000, maxSize: 3000, liveTarget: 120, reallocRate: 0.2 });

const configs: [string, RunConfig][] = [
  ['tlsf, OOMs in a small heap, series', { device: dev, allocator: 'tlsf', heapSize: 60000, oom: 'fail', series: true, sample: 7 }],
  ['rmalloc, compaction every 50 ops, --check', { device: dev, allocator: 'rmalloc', oom: 'compact', compactEvery: 50, check: true, checkEvery: 101, series: false }],
  ['first-fit, stop after 12345 ops', { device: dev, allocator: 'first-fit', oom: 'fail', stopAfter: 12345, series: true }],
  ['buddy, abort at the first OOM', { device: dev, allocator: 'buddy', heapSize: 40000, oom: 'abort', series: false }],
  ['rmalloc, locks pinned:0.3 applied as the trace streams', { device: dev, allocator: 'rmalloc', heapSize: 90000, oom: 'compact', locks: 'pinned:0.3', seed: 7, series: true }],
];

for (const [name, cfg] of configs)
  test(`replayStream and replayAsync give replay's result: ${name}`, async () => {
    const want = noWall(replay(t, cfg));
    assert.equal(noWall(await streamed(t, cfg, 777)), want, 'batches of 777 ops');
    assert.equal(noWall(await streamed(t, cfg, 65536)), want, 'one batch');
    assert.equal(noWall(await replayAsync(t, cfg)), want);
  });

test('a violation in a streamed replay names the op and source line replay names', async () => {
  let calls = 0;
  const faulty: AllocatorFactory = { ...getFactory('first-fit'), name: 'faulty' };
  const base = faulty.create.bind(faulty);
  faulty.create = (ctx) => {
    const a = base(ctx);
    const orig = a.alloc.bind(a);
    a.alloc = (n) => (++calls % 1000 === 7 ? ctx.bus.read32(0x100) : orig(n));
    return a;
  };
  const small = packOps('fault', Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? (['f', i - 1] as const) : (['a', i, 8 + i] as const))));
  const cfg: RunConfig = { device: dev, allocator: 'faulty', factory: faulty, oom: 'fail', series: false };
  calls = 0;
  const want = replay(small, cfg);
  assert.is(want.status, 'violation');
  assert.ok(want.violation!.line > 0);
  calls = 0;
  const got = await streamed(small, cfg, 4); // the faulting op sits in the third batch
  assert.equal(noWall(got), noWall(want));
});

test('the access lock model applied as a trace streams gives the ops and the run of the packed one', async () => {
  // Accesses (x ops) to a few blocks: the ones accessed often get locked and unlocked.
  const ops: OpTuple[] = [];
  for (let i = 0; i < 40; i++) ops.push(['a', i, 16 + i]);
  for (let r = 0; r < 400; r++) {
    ops.push(['x', r % 3 === 0 ? 1 : (r * 7) % 40, r % 3]);
    if (r % 50 === 49) ops.push(['r', (r * 3) % 40, 40 + r]);
  }
  for (let i = 0; i < 40; i += 2) ops.push(['f', i]);
  const acc = packOps('access', ops);
  const want = applyLockModel(acc, 'access', 1);
  const src = lockedSource(sourceOf(acc, 37), 'access', 1);
  const got: number[][] = [];
  for await (const b of src.batches()) for (let i = 0; i < b.n; i++) got.push([b.kind[i]!, b.id[i]!, b.arg[i]!, b.line[i]!]);
  assert.equal(got, Array.from({ length: want.ops.n }, (_, i) => [want.ops.kind[i]!, want.ops.id[i]!, want.ops.arg[i]!, want.ops.line[i]!]));
  assert.ok(want.ops.n > acc.ops.n, 'the model inserted locks');
  const cfg: RunConfig = { device: dev, allocator: 'rmalloc', oom: 'compact', locks: 'access', compactEvery: 30, series: true };
  assert.equal(noWall(await streamed(acc, cfg, 37)), noWall(replay(acc, cfg)));
});

test('streamOf / canStream: lifetime locks (they look ahead) and sparse ids (remapped per op) are not streamed', () => {
  const cfg: RunConfig = { device: dev, allocator: 'tlsf', oom: 'fail' };
  const src = sourceOf(t, 100);
  assert.is(streamOf(src, cfg), src);
  assert.is(streamOf(src, { ...cfg, locks: 'lifetime:0.1' }), null);
  assert.is((streamOf(src, { ...cfg, locks: 'pinned:0.1' }) as LockedSource).lockSpec, 'pinned:0.1');
  assert.ok(canStream(traceFacts(t)));
  const sparse = packOps('sparse', [['a', 5e9, 8], ['f', 5e9]]);
  assert.not.ok(canStream(traceFacts(sparse)));
});

test('replayStream refuses a stream that does not carry the run\'s lock model', async () => {
  const cfg: RunConfig = { device: dev, allocator: 'tlsf', oom: 'fail', locks: 'pinned:0.5' };
  const src = sourceOf(t, 1000);
  try {
    await replayStream(src, traceFacts(t), cfg);
    assert.unreachable('a raw stream replayed as if locked');
  } catch (e) {
    assert.match((e as Error).message, 'carries lock model none');
  }
});

test('a streamed replay holds no op beyond its batch: live memory does not grow with the trace', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const ops = 400_000;
  const size = 16384;
  // Ops made on the fly (alloc/free pairs over 200 ids), never held anywhere as a whole.
  const b: OpBatch = { n: 0, kind: new Uint8Array(size), id: new Float64Array(size), arg: new Float64Array(size), line: new Float64Array(size) };
  const samples: number[] = [];
  const src: TraceSource = {
    info: { path: 'gen', name: 'gen', header: [] },
    skipped: () => [],
    batches: () => ({
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < ops; i += size) {
          b.n = Math.min(size, ops - i);
          for (let j = 0; j < b.n; j++) {
            const k = i + j;
            const pair = k >> 1;
            b.kind[j] = k % 2 === 0 ? OP_ALLOC : OP_FREE;
            b.id[j] = pair % 200;
            b.arg[j] = k % 2 === 0 ? 16 + (pair % 97) : 0;
            b.line[j] = k + 1;
          }
          gc();
          samples.push(process.memoryUsage().arrayBuffers);
          yield b;
        }
      },
    }),
  };
  const facts = await streamFacts(src);
  assert.is(facts.ops, ops);
  samples.length = 0;
  const r = await replayStream(src, facts, { device: dev, allocator: 'tlsf', oom: 'fail', series: false });
  assert.is(r.summary.opsRun, ops);
  const growth = Math.max(...samples) - samples[0]!;
  // A packed trace of these ops would be 13 B/op = 5.2 MB; the stream holds one batch (taken
  // before the first sample) and the engine's per-id state.
  assert.ok(growth < 0.1 * 13 * ops, `live ArrayBuffer bytes grew by ${growth} during the replay`);
});

test.run();
