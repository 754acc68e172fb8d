/**
 * FreeIndex (src/alloc/free-index.ts), next-fit's simulator speed-up: after seeded random
 * sets of free-block sizes, every query equals a brute-force scan of the same blocks; and
 * next-fit replays charge exactly the same with the index as without it (the walks followed).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FreeIndex } from '../src/alloc/free-index';
import { Prng } from '../src/util/prng';
import { loadDevice } from '../src/device';
import { buildRig } from '../src/sim';
import { randomTrace } from './helpers/gen';

const t = suite('free-index');

t('queries equal a brute-force scan after random updates', () => {
  const first = 0x1004;
  const G = 8;
  const n = 300;
  const ix = new FreeIndex(first, first + n * G, G);
  const ref = new Array<number>(n).fill(0);
  const rng = new Prng(7);
  for (let step = 0; step < 4000; step++) {
    const p = rng.int(0, n - 1);
    const size = rng.int(0, 2) === 0 ? 0 : 8 * (1 + rng.int(0, 39));
    ix.set(first + p * G, size);
    ref[p] = size;
    const q = rng.int(0, n);
    const need = 8 * (1 + rng.int(0, 44));
    let ff = -1;
    for (let i = q; i < n; i++) if (ref[i]! >= need) { ff = i; break; }
    let lb = -1;
    for (let i = Math.min(q, n) - 1; i >= 0; i--) if (ref[i]! > 0) { lb = i; break; }
    const below = ref.slice(0, q).filter((x) => x > 0).length;
    assert.is(ix.firstFit(q, need), ff, `firstFit(${q}, ${need}) at step ${step}`);
    assert.is(ix.lastBelow(q), lb, `lastBelow(${q}) at step ${step}`);
    assert.is(ix.countBelow(q), below, `countBelow(${q}) at step ${step}`);
    assert.is(ix.count, ref.filter((x) => x > 0).length);
    assert.is(ix.largest(), Math.max(0, ...ref));
    assert.is(ix.sizeAt(first + p * G), size);
  }
  assert.is(ix.lastBelow(Infinity), ref.map((x, i) => (x > 0 ? i : -1)).reduce((a, b) => Math.max(a, b), -1));
});

t('next-fit charges the same with the index (plain run) as with the walks (--check run)', () => {
  const dev = loadDevice('nds');
  const trace = randomTrace({ seed: 3, ops: 6000, minSize: 8, maxSize: 600, liveTarget: 120, reallocRate: 0.1 });
  const run = (check: boolean) => {
    const rig = buildRig(dev, 'next-fit', { heapSize: 48 * 1024, whatIf: true, check });
    const a = rig.allocator;
    const h = new Map<number, number>();
    const { kind, id, arg, n } = trace.ops;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!, x = id[i]!;
      if (k === 0) h.set(x, a.alloc(arg[i]!));
      else if (k === 1 && h.get(x)) { a.free(h.get(x)!); h.delete(x); }
      else if (k === 2 && h.get(x)) { const q = a.realloc(h.get(x)!, arg[i]!); if (q) h.set(x, q); }
    }
    assert.equal(a.check(), []);
    return { counters: rig.bus.counters(), largest: a.largestAllocatable(), free: a.freeBytes() };
  };
  assert.equal(run(false), run(true));
});

t.run();
