/**
 * The peak live bytes of a mixed trace computed independently of the engine and of the mix's
 * own id shifting: walk the mixed order, but run each op against its own program's id map with
 * the program's own (unshifted) ids (tests/trace-mix, tests/cli-mix).
 */
import { OP_ALLOC, OP_FREE, OP_IDLE, OP_REALLOC } from '../../src/trace';
import type { PackedTrace } from '../../src/trace';

/** Which program each mixed op came from, by id range (idle ops: -1). */
export function origin(mixed: PackedTrace, offsets: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < mixed.ops.n; k++) {
    if (mixed.ops.kind[k] === OP_IDLE) {
      out.push(-1);
      continue;
    }
    const x = mixed.ops.id[k]!;
    let j = offsets.length - 1;
    while (offsets[j]! > x) j--;
    out.push(j);
  }
  return out;
}

/** Σ requested sizes of live objects at its maximum, over the mixed order of `programs`' ops. */
export function independentMixPeak(mixed: PackedTrace, offsets: readonly number[], programs: readonly PackedTrace[]): number {
  const from = origin(mixed, offsets);
  const pos = programs.map(() => 0);
  const maps = programs.map(() => new Map<number, number>());
  let live = 0;
  let peak = 0;
  for (let k = 0; k < mixed.ops.n; k++) {
    const j = from[k]!;
    if (j < 0) continue;
    const t = programs[j]!.ops;
    const i = pos[j]!++;
    const id = t.id[i]!;
    const sizes = maps[j]!;
    const kd = t.kind[i]!;
    if (kd === OP_ALLOC) {
      sizes.set(id, t.arg[i]!);
      live += t.arg[i]!;
    } else if (kd === OP_FREE) {
      live -= sizes.get(id) ?? 0;
      sizes.delete(id);
    } else if (kd === OP_REALLOC) {
      live += t.arg[i]! - (sizes.get(id) ?? 0);
      sizes.set(id, t.arg[i]!);
    }
    peak = Math.max(peak, live);
  }
  return peak;
}
