/**
 * Multi-heap test helpers: an allocator over hand-built heaps in several regions of a device,
 * and a seeded random run over it with the invariant checker after every op, payload patterns
 * and exact largestAllocatable probes (randomRun itself resizes only the first heap).
 */
import { loadDevice, HeapSpan } from '../../src/device';
import { Prng } from '../../src/util/prng';
import { fillPattern, invariantViolations, makeHeap, patternMismatch, TestHeap } from './heap';

/** Allocator `name` on `device` with the device's heaps replaced by `spans` ([region, offset, size], inside the regions). */
export function multiHeapOf(name: string, device: string, spans: Array<[string, number, number]>): TestHeap {
  const dev = loadDevice(device);
  const heaps: HeapSpan[] = spans.map(([region, offset, size]) => {
    const r = dev.regions.find((x) => x.name === region)!;
    return { name: region, region, base: r.base + offset, size };
  });
  return makeHeap(name, undefined, {}, dev, heaps);
}

/** randomRun over a hand-built multi-region heap (randomRun itself resizes only the first heap). */
export function randomMulti(h: TestHeap, seed: number, ops: number, maxSize: number): { ooms: number; violations: string[]; crossed: boolean } {
  const a = h.alloc;
  const rng = new Prng(seed);
  const live = new Map<number, number>();
  const seeds = new Map<number, number>();
  const hs: number[] = [];
  let ooms = 0;
  let next = 1;
  let crossed = false;
  const regionOf = (p: number) => h.heaps.findIndex((s) => p >= s.base && p < s.base + s.size);
  const size = () => Math.max(1, Math.floor(Math.exp(rng.next() * Math.log(maxSize + 1))));
  for (let i = 0; i < ops; i++) {
    if (hs.length === 0 || rng.next() < 0.55) {
      const s = size();
      const p = a.alloc(s);
      if (p === 0) ooms++;
      else {
        if (regionOf(p) > 0) crossed = true;
        live.set(p, s);
        seeds.set(p, next);
        fillPattern(h, p, s, next++);
        hs.push(p);
      }
    } else {
      const k = rng.int(0, hs.length - 1);
      const p = hs[k]!;
      const s = live.get(p)!;
      const sd = seeds.get(p)!;
      const bad = patternMismatch(h, p, s, sd);
      if (bad >= 0) return { ooms, crossed, violations: [`op ${i}: payload of ${p} corrupted at ${bad}`] };
      if (rng.next() < 0.15) {
        // realloc (malloc + copy + free where the allocator has none); the copy must suit 16-bit-only RAM
        const ns = size();
        const q = a.realloc(p, ns);
        if (q === 0) ooms++;
        else {
          const bad2 = patternMismatch(h, q, Math.min(s, ns), sd);
          if (bad2 >= 0) return { ooms, crossed, violations: [`op ${i}: realloc lost byte ${bad2}`] };
          live.delete(p);
          seeds.delete(p);
          live.set(q, ns);
          seeds.set(q, sd);
          fillPattern(h, q, ns, sd);
          hs[k] = q;
        }
      } else {
        a.free(p);
        live.delete(p);
        hs[k] = hs[hs.length - 1]!;
        hs.pop();
      }
    }
    const v = invariantViolations(h, live);
    if (v.length) return { ooms, crossed, violations: v.map((x) => `op ${i}: ${x}`) };
    if (i % 50 === 0) {
      const L = a.largestAllocatable();
      const t = L > 0 ? a.alloc(L) : 1;
      if (t === 0) return { ooms, crossed, violations: [`op ${i}: largest ${L} but alloc failed`] };
      if (L > 0) a.free(t);
      const t2 = a.alloc(L + 1);
      if (t2 !== 0) return { ooms, crossed, violations: [`op ${i}: largest ${L} but alloc(${L + 1}) succeeded`] };
    }
  }
  return { ooms, crossed, violations: [] };
}
