/**
 * The worker-thread job pool (src/sim/parallel.ts), in this process under ts-node, so the
 * workers start through the ts-node eval shim (the compiled dist/ path is covered by the
 * spawned `compare --jobs 2` test in cli-compare.test.ts):
 * - results with 2 workers are deep-equal to the serial run (1 slot = this thread), in job order;
 * - a SimError in a worker comes back as a SimError with its code, file and line, like serially;
 * - shared traces hold the same ops as the originals.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { SimError } from '../src/errors';
import { runJobs, shareTrace, Job, JobOutcome } from '../src/sim/parallel';
import { traceFromText } from '../src/trace';
import { syntheticTrace } from './cli-spawn';

const dev = loadDevice('nds');
const traces = [traceFromText(syntheticTrace(250, 11), 'p1.trace'), traceFromText(syntheticTrace(150, 12), 'p2.trace')];

/** Good jobs on both traces, plus two that fail with a SimError (heap too small, unknown allocator). */
function jobs(): Job[] {
  const out: Job[] = [];
  for (let t = 0; t < traces.length; t++)
    for (const allocator of ['first-fit', 'buddy']) {
      out.push({ kind: 'replay', trace: t, cfg: { device: dev, allocator, oom: 'fail', heapSize: 32 * 1024, series: true } });
      out.push({ kind: 'minHeap', trace: t, cfg: { device: dev, allocator, oom: 'fail', series: false } });
    }
  out.push({ kind: 'replay', trace: 0, cfg: { device: dev, allocator: 'first-fit', oom: 'fail', heapSize: 8 } });
  out.push({ kind: 'replay', trace: 1, cfg: { device: dev, allocator: 'no-such-allocator', oom: 'fail' } });
  return out;
}

/** Outcomes without wall-clock fields; errors as class, code and message. */
function stable(o: JobOutcome[]): unknown[] {
  return o.map((x) => {
    if (!x.ok) return { error: x.error.message, simError: x.error instanceof SimError, code: (x.error as SimError).code };
    const v = { ...(x.value as unknown as Record<string, unknown>) };
    delete v.wallMs;
    return { kind: x.kind, v };
  });
}

test('2 workers give the same results and the same SimErrors as the serial run, in job order', async () => {
  const js = jobs();
  const serial = await runJobs(traces, js, { threads: 1 });
  let progress = 0;
  const parallel = await runJobs(traces, js, { threads: 2, onProgress: (d) => (progress = d) });
  assert.is(progress, js.length);
  assert.equal(stable(parallel), stable(serial));
  const n = js.length;
  assert.ok(serial.slice(0, n - 2).every((o) => o.ok));
  assert.equal(serial.slice(0, n - 2).map((o) => (o.ok ? o.kind : 'error')), js.slice(0, n - 2).map((j) => j.kind));
  // the failures crossed the thread boundary as SimErrors with their codes
  const [tooSmall, unknown] = parallel.slice(n - 2).map((o) => (o.ok ? undefined : o.error));
  assert.instance(tooSmall, SimError);
  assert.is((tooSmall as SimError).code, 'HEAP_TOO_SMALL');
  assert.instance(unknown, SimError);
  assert.is((unknown as SimError).code, 'ALLOCATOR_UNKNOWN');
});

test('shareTrace copies the ops into shared memory', () => {
  const s = shareTrace(traces[0]!);
  assert.instance(s.ops.id.buffer, SharedArrayBuffer);
  assert.is(s.ops.n, traces[0]!.ops.n);
  assert.equal(Array.from(s.ops.kind), Array.from(traces[0]!.ops.kind.subarray(0, s.ops.n)));
  assert.equal(Array.from(s.ops.arg), Array.from(traces[0]!.ops.arg.subarray(0, s.ops.n)));
  assert.equal(Array.from(s.ops.line), Array.from(traces[0]!.ops.line.subarray(0, s.ops.n)));
});

test.run();
