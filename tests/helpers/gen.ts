/**
 * Seeded synthetic traces (tests and benchmarks): a random mix of alloc, free and realloc with
 * log-uniform sizes, ids reused after free like a recorder does, and a live set that breathes
 * between empty and a target size. Deterministic for a given seed.
 */
import { OP_ALLOC, OP_FREE, OP_REALLOC, PackedTrace } from '../../src/trace/types';
import { Prng } from '../../src/util/prng';

export interface GenOptions {
  seed: number;
  ops: number;
  /** Largest request (sizes are log-uniform in [minSize, maxSize]). */
  maxSize: number;
  minSize?: number;
  /** Target number of live blocks around which the live set oscillates. */
  liveTarget?: number;
  /** Share of non-alloc ops that are reallocs. */
  reallocRate?: number;
  /** Free everything at the end. */
  drain?: boolean;
}

export function randomTrace(o: GenOptions): PackedTrace {
  const rng = new Prng(o.seed);
  const n = o.ops;
  const kind = new Uint8Array(n);
  const id = new Float64Array(n);
  const arg = new Float64Array(n);
  const line = new Float64Array(n);
  const minSize = o.minSize ?? 1;
  const lnMin = Math.log(minSize);
  const lnSpan = Math.log(o.maxSize + 1) - lnMin;
  const target = o.liveTarget ?? 64;
  const live: number[] = [];
  const freeIds: number[] = [];
  let nextId = 0;
  let i = 0;
  const drainAt = o.drain ? n - Math.min(n, target * 2) : n;
  const size = (): number => Math.max(minSize, Math.floor(Math.exp(lnMin + rng.next() * lnSpan)));
  while (i < n) {
    const phase = Math.sin((i / n) * Math.PI * 6) * 0.5 + 0.5; // the live set breathes
    const want = target * (0.25 + phase);
    const draining = i >= drainAt;
    if (!draining && (live.length === 0 || rng.next() < 0.5 + (want - live.length) / (2 * want))) {
      const x = freeIds.length ? freeIds.pop()! : nextId++;
      kind[i] = OP_ALLOC;
      id[i] = x;
      arg[i] = size();
      live.push(x);
    } else if (live.length === 0) {
      break;
    } else {
      const k = rng.int(0, live.length - 1);
      const x = live[k]!;
      if (!draining && rng.next() < (o.reallocRate ?? 0.1)) {
        kind[i] = OP_REALLOC;
        id[i] = x;
        arg[i] = size();
      } else {
        kind[i] = OP_FREE;
        id[i] = x;
        live[k] = live[live.length - 1]!;
        live.pop();
        freeIds.push(x);
      }
    }
    line[i] = i + 1;
    i++;
  }
  return { info: { path: `random-${o.seed}`, name: `random-${o.seed}`, header: [] }, ops: { n: i, kind, id, arg, line }, skipped: [] };
}
