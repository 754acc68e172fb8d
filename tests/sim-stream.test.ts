/**
 * Replays in slices (src/sim/stream.ts, issue 15 items 4 and 6): replayStream replays a trace
 * batch by batch as a reader hands it over, replayAsync a packed trace with turns of the event
 * loop. Both must give replay's result exactly (events, lines, violations, series), and a
 * streamed replay must hold no op beyond its batch: memory does not grow with the trace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { loadDevice } from '../src/device';
import { getFactory, type AllocatorFactory } from '../src/alloc';
import { canStream, replay, replayAsync, replayStream, streamFacts, traceFacts, type RunConfig, type RunResult } from '../src/sim';
import { OP_ALLOC, OP_FREE, type OpBatch, type PackedTrace, type TraceSource } from '../src/trace';
import { randomTrace } from './helpers/gen';
import { packOps } from './helpers/pack';

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
  const src = sourceOf(t, size);
  const facts = await streamFacts(src);
  assert.equal(facts, traceFacts(t), 'the first pass finds the packed trace facts');
  assert.ok(canStream(facts, cfg));
  return replayStream(src, facts, cfg);
}

const t = randomTrace({ seed: 15, ops: 20000, maxSize: 3000, liveTarget: 120, reallocRate: 0.2 });

const configs: [string, RunConfig][] = [
  ['tlsf, OOMs in a small heap, series', { device: dev, allocator: 'tlsf', heapSize: 60000, oom: 'fail', series: true, sample: 7 }],
  ['rmalloc, compaction every 50 ops, --check', { device: dev, allocator: 'rmalloc', oom: 'compact', compactEvery: 50, check: true, checkEvery: 101, series: false }],
  ['first-fit, stop after 12345 ops', { device: dev, allocator: 'first-fit', oom: 'fail', stopAfter: 12345, series: true }],
  ['buddy, abort at the first OOM', { device: dev, allocator: 'buddy', heapSize: 40000, oom: 'abort', series: false }],
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

test('canStream: not with a lock model (it looks ahead), not with sparse ids (remapped per op)', () => {
  const cfg: RunConfig = { device: dev, allocator: 'tlsf', oom: 'fail' };
  assert.ok(canStream(traceFacts(t), cfg));
  assert.not.ok(canStream(traceFacts(t), { ...cfg, locks: 'pinned:0.1' }));
  const sparse = packOps('sparse', [['a', 5e9, 8], ['f', 5e9]]);
  assert.not.ok(canStream(traceFacts(sparse), cfg));
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
