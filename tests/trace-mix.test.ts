/**
 * `--mix`: the interleaving keeps every program's own order, keeps ids apart, is deterministic
 * per seed, advances the programs in proportion to their length, and the mixed trace's peak
 * live equals the peak computed independently by replaying the two programs' ops in the mixed
 * order with their own id maps.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import { mixTraces, loadMix, traceStats, OP_IDLE } from '../src/trace';
import type { PackedTrace } from '../src/trace';
import { loadDevice } from '../src/device';
import { replay } from '../src/sim';
import { packOps } from './helpers/pack';
import { independentMixPeak, origin } from './helpers/mix-peak';
import { randomTrace } from './helpers/gen';
import { SimError } from '../src/errors';

const A = packOps('shell', [['a', 1, 100], ['a', 2, 40], ['f', 1], ['r', 2, 300], ['i', 50], ['f', 2]]);
const B = packOps('game', [['a', 1, 500], ['a', 0, 60], ['f', 0], ['a', 0, 70], ['r', 1, 20], ['f', 1], ['f', 0]]);

test('each program keeps its order and ops; ids are shifted apart; the header names the parts', () => {
  const m = mixTraces([A, B], { seed: 7 });
  assert.is(m.ops.n, A.ops.n + B.ops.n);
  assert.equal(m.mix.parts.map((p) => p.idOffset), [0, 3]); // shell's largest id is 2
  assert.is(m.info.name, 'shell+game');
  assert.ok(m.info.header.some((h) => h.includes('interleaved by op count') && h.includes('seed 7')));
  assert.ok(m.info.header.some((h) => h.includes('game 7 ops, ids +3')));
  // Project the mix back onto each program (idle ops only come from the shell here).
  const src = [A, B];
  const pos = [0, 0];
  const from = origin(m, [0, 3]);
  for (let k = 0; k < m.ops.n; k++) {
    const j = from[k] === -1 ? 0 : from[k]!;
    const t = src[j]!.ops;
    const i = pos[j]!++;
    assert.is(m.ops.kind[k], t.kind[i], `op ${k} kind`);
    assert.is(m.ops.arg[k], t.arg[i], `op ${k} arg`);
    assert.is(m.ops.line[k], t.line[i], `op ${k} line`);
    if (t.kind[i] !== OP_IDLE) assert.is(m.ops.id[k], t.id[i]! + (j === 0 ? 0 : 3), `op ${k} id`);
  }
  assert.equal(pos, [A.ops.n, B.ops.n]);
});

test('deterministic per seed; another seed gives another order', () => {
  const a = mixTraces([A, B], { seed: 3 });
  const b = mixTraces([A, B], { seed: 3 });
  assert.equal(Array.from(a.ops.id), Array.from(b.ops.id));
  const big1 = randomTrace({ seed: 1, ops: 400, maxSize: 64 });
  const big2 = randomTrace({ seed: 2, ops: 400, maxSize: 64 });
  const c = mixTraces([big1, big2], { seed: 3 });
  const d = mixTraces([big1, big2], { seed: 4 });
  assert.not.equal(Array.from(c.ops.id), Array.from(d.ops.id));
});

test('programs advance in proportion to their length (op-count time model)', () => {
  const long = randomTrace({ seed: 5, ops: 4000, maxSize: 64 });
  const short = randomTrace({ seed: 6, ops: 1000, maxSize: 64 });
  const m = mixTraces([long, short], { seed: 9 });
  const off = m.mix.parts[1]!.idOffset;
  // After half of the mixed ops, each program has run about half of its own ops.
  let shortDone = 0;
  for (let k = 0; k < m.ops.n / 2; k++) if (m.ops.id[k]! >= off) shortDone++;
  assert.ok(Math.abs(shortDone - 500) < 60, `short program ran ${shortDone} of its 1000 ops in the first half`);
});

test('peak live of the mix equals the peak of the interleaving computed independently', async () => {
  const p1 = randomTrace({ seed: 11, ops: 3000, maxSize: 256, liveTarget: 40 });
  const p2 = randomTrace({ seed: 12, ops: 2000, maxSize: 1024, liveTarget: 20 });
  const m = mixTraces([p1, p2], { seed: 1 });
  // Independently: walk the mixed order, but run each op against its own program's id map
  // with the program's own (unshifted) ids.
  const peak = independentMixPeak(m, m.mix.parts.map((p) => p.idOffset), [p1, p2]);
  const single = (t: PackedTrace): number => replay(t, { device: loadDevice('nds'), allocator: 'first-fit', oom: 'fail', lean: true }).summary.peakLive;
  const r = replay(m, { device: loadDevice('nds'), allocator: 'first-fit', oom: 'fail', lean: true });
  assert.is(r.summary.ooms, 0);
  assert.is(r.summary.peakLive, peak);
  assert.is((await traceStats(m)).peakLive, peak);
  // Sharing a heap: at least the larger program's peak, at most the sum of both.
  assert.ok(peak >= Math.max(single(p1), single(p2)) && peak <= single(p1) + single(p2));
});

test('loadMix reads the files and needs two of them', async () => {
  const dir = path.resolve(__dirname, '..', 'firmware-traces');
  const m = await loadMix(`${dir}/synthetic-sensor-ring.trace.gz,${dir}/synthetic-packet-pool.trace.gz`, { seed: 2 });
  assert.is(m.info.name, 'synthetic-sensor-ring+synthetic-packet-pool');
  assert.is(m.mix.parts.length, 2);
  try {
    await loadMix(`${dir}/synthetic-sensor-ring.trace.gz`);
    assert.unreachable('one trace is not a mix');
  } catch (e) {
    assert.instance(e, SimError);
    assert.is((e as SimError).code, 'USAGE');
  }
});

test.run();
