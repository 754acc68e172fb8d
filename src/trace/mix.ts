/**
 * `--mix T1,T2,...`: several programs sharing one heap (a no-MMU system such as DSLinux, where
 * the shell and the user's program draw on the same physical memory). A trace-layer transform:
 * the packed traces go in, one packed trace comes out, and everything downstream (replay,
 * min-heap, squeeze, compare, report) sees an ordinary trace.
 *
 * How it works
 * ------------
 * Time model: op count. Every program runs from its first op to its last over the same span of
 * mixed ops, each at its own steady rate: after k of the N mixed ops, program j has executed
 * about k · n_j / N of its n_j ops. The order within that is a seeded random merge: at each
 * step the next op is taken from program j with probability (ops j has left) / (ops all have
 * left). Every interleaving that keeps each program's own order is equally likely, and the
 * same seed always gives the same mix. Idle ops (`i <cycles>`) are carried as they are: they
 * are time the allocator may use, not a clock the programs share.
 *
 * Ids are kept apart: program j's ids are shifted by the sum of (largest id + 1) of the
 * programs before it, so recorders' compact ids stay compact and no two programs share an id.
 * Lines keep their source line numbers (an error names the program through the header).
 *
 * The header says what was mixed: `mix: <k> programs, interleaved by op count (seeded random
 * merge, seed S)`, then one `mix: <name> <ops> ops, ids +<offset>` line per program, then the
 * programs' own header lines prefixed with their names.
 */
import { SimError } from '../errors';
import { Prng } from '../util';
import { loadTrace } from './reader';
import { fitsU32, newOps } from './pack';
import { OP_IDLE, OP_UNLOCK, type NumColumn, type PackedOps, type PackedTrace, type SkipCount } from './types';

export interface MixOptions {
  /** Seed of the interleaving (default 1). */
  seed?: number;
}

export interface MixPart {
  name: string;
  ops: number;
  /** Added to every id of this program. */
  idOffset: number;
}

/** What a mixed trace was made of (also in its header). */
export interface MixInfo {
  seed: number;
  parts: MixPart[];
}

/** The id offset of each program, Σ (largest id + 1) of the programs before it, and that sum over all. */
function idOffsets(traces: readonly PackedTrace[]): { offsets: number[]; end: number } {
  const offsets: number[] = [];
  let next = 0;
  for (const t of traces) {
    offsets.push(next);
    const { n, kind, id } = t.ops;
    let max = -1;
    for (let i = 0; i < n; i++) if (kind[i]! <= OP_UNLOCK || kind[i]! > OP_IDLE) max = Math.max(max, id[i]!);
    next += max + 1;
  }
  return { offsets, end: next };
}

/**
 * Interleaves `traces` into one (see the file comment). The result's name is the programs'
 * names joined with '+'; its path is `mix:` followed by their paths joined with ','.
 */
export function mixTraces(traces: readonly PackedTrace[], opts: MixOptions = {}): PackedTrace & { mix: MixInfo } {
  const seed = opts.seed ?? 1;
  const m = traces.length;
  const { offsets, end } = idOffsets(traces);
  const total = traces.reduce((s, t) => s + t.ops.n, 0);
  // Packed like a loaded trace (src/trace/pack.ts): 32-bit columns where every program's values
  // fit (the shifted ids too: the largest is end - 1), in shared memory.
  const fits = (get: (o: PackedOps) => NumColumn): boolean => traces.every((t) => fitsU32(get(t.ops), 0, t.ops.n));
  const out = newOps(total, { id: fits((o) => o.id) && end - 1 <= 0xffffffff, arg: fits((o) => o.arg), line: fits((o) => o.line) });
  const { kind, id, arg, line } = out;
  const pos = new Array<number>(m).fill(0);
  const rng = new Prng(seed);
  let left = total;
  for (let k = 0; k < total; k++) {
    // Program j with probability (its ops left) / (all ops left).
    let r = Math.floor(rng.next() * left);
    let j = 0;
    for (; j < m - 1; j++) {
      const lj = traces[j]!.ops.n - pos[j]!;
      if (r < lj) break;
      r -= lj;
    }
    const src = traces[j]!.ops;
    const i = pos[j]!++;
    const kd = src.kind[i]!;
    kind[k] = kd;
    id[k] = kd === OP_IDLE ? src.id[i]! : src.id[i]! + offsets[j]!;
    arg[k] = src.arg[i]!;
    line[k] = src.line[i]!;
    left--;
  }
  const parts: MixPart[] = traces.map((t, j) => ({ name: t.info.name, ops: t.ops.n, idOffset: offsets[j]! }));
  const header = [
    ` mix: ${m} programs, interleaved by op count (seeded random merge, seed ${seed})`,
    ...parts.map((p) => ` mix: ${p.name} ${p.ops} ops, ids +${p.idOffset}`),
    ...traces.flatMap((t) => t.info.header.map((h) => ` ${t.info.name}:${h}`)),
  ];
  const skipped: SkipCount[] = traces.flatMap((t) => t.skipped.map((s) => ({ ...s, reason: `${t.info.name}: ${s.reason}` })));
  return {
    info: { path: `mix:${traces.map((t) => t.info.path).join(',')}`, name: traces.map((t) => t.info.name).join('+'), header },
    ops: out,
    skipped,
    mix: { seed, parts },
  };
}

/**
 * Parses a `--mix` value (`T1,T2,...`: trace files, at least two) and loads the mixed trace.
 * Repeating the flag gives several mixes.
 */
export async function loadMix(spec: string, opts: MixOptions = {}): Promise<PackedTrace & { mix: MixInfo }> {
  const files = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (files.length < 2) throw new SimError('USAGE', `--mix "${spec}": name at least two traces, separated by commas`);
  const traces: PackedTrace[] = [];
  for (const f of files) traces.push(await loadTrace(f));
  return mixTraces(traces, opts);
}
