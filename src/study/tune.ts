/**
 * tune: the best setting of one allocator's parameters (and run settings) for a goal, on one
 * device, over a set of traces.
 *
 * How it works
 * ------------
 * Space. The dimensions an allocator declares in its registry entry (ParamSpec.space,
 * AllocatorFactory.runKnobs; see tune-space.ts), minus those the user fixed with --param.
 *
 * Evaluation of one setting. On every trace that can fit the device heap at all (peak live at
 * most the heap; the others are named and left out, as the ranking does): one replay at the
 * device heap (OOMs, mean / p99 / worst cycles per op) and one min-heap search (within
 * SEARCH_TOLERANCE). Aggregates, as the ranking defines them (src/report/advice.ts): space =
 * geometric mean of min heap / peak live; speed = geometric mean of mean cycles per op;
 * realtime = the worst single op or compaction pause; balanced = sqrt(space × geometric mean of
 * mean cycles relative to the default setting's). Settings compare by (refused or crashed last,
 * traces with an OOM at the device heap, the goal's score, the key): lower is better.
 *
 * Search. A space whose grid holds at most `budget` settings is searched exhaustively (every
 * setting evaluated: the optimum is exact). A larger one (slab's class list is one) gets a
 * seeded local search from ISLANDS independent starting points: the default, and settings
 * derived from the traces' request sizes (for a size list: the classes that minimise the
 * count-weighted rounding waste, by dynamic programming, for a few class counts). Each island
 * repeatedly evaluates LAMBDA distinct neighbours of its current best (one discrete dimension
 * moved one step, or a size list's class moved to the next or previous request size that occurs
 * in the traces, removed, or one added) and moves to the best neighbour when it is better; after
 * a step without improvement, neighbours take two or three moves at once. Islands are
 * independent (each has its own seeded PRNG and its share of the budget), so `--shard K/N` runs
 * islands K, K+N, ... (grid: settings K, K+N, ...) and `merge` takes the best over the shards:
 * exactly what one process finds. Evaluations are deterministic: a cache only saves time.
 *
 * Verification. The figures reported for the default and the tuned setting do not come from the
 * search: both are re-run as a plain compare would run them (device-heap replay plus min-heap
 * search at compare's tolerance) by `verify`, and the printed flags reproduce those figures.
 */
import { getFactory, resolveParams } from '../alloc';
import type { AllocatorFactory, ParamValue, Params } from '../alloc';
import { heapSpans } from '../device';
import type { DeviceProfile } from '../device';
import { SimError } from '../errors';
import { goalScore, type GoalName } from '../report';
import type { MinHeapResult, OomPolicy, RunConfig, RunResult, Job, JobOutcome } from '../sim';
import { OP_ALLOC, OP_FREE, OP_REALLOC, type PackedTrace } from '../trace';
import { Prng } from '../util';
import {
  defaultSetting, dimensionsOf, gridSettings, gridSize, normSizeList, settingKey, valuesOf,
} from './tune-space';
import type { Dimension, Setting } from './tune-space';

/** Min-heap tolerance of the search's evaluations (the verification uses compare's). */
export const SEARCH_TOLERANCE = 0.01;
/** The search's min heaps check no band above the answer (see TuneRun.evaluate). */
const NO_BAND = { stretch: 0, samples: 0 };
/** Independent starting points of the local search. */
export const ISLANDS = 3;
/** Neighbours evaluated per step of an island. */
export const LAMBDA = 4;
/** Default number of settings evaluated. */
export const DEFAULT_BUDGET = 60;

/** Runs jobs over traces (the worker pool, or a test's serial runner). */
export type Runner = (traces: readonly PackedTrace[], jobs: readonly Job[]) => Promise<JobOutcome[]>;

/** The run settings every evaluation shares (from flags or the config file). */
export interface BaseRun {
  oom: OomPolicy;
  locks: string;
  seed: number;
  compactEvery?: number;
  compactAboveExtFrag?: number;
  compactBudget?: number;
}

export interface TuneInput {
  device: DeviceProfile;
  allocator: string;
  traces: readonly PackedTrace[];
  goal: GoalName;
  /** Most settings evaluated (distinct; the default included). */
  budget: number;
  /** Seed of the local search. */
  seed: number;
  run: BaseRun;
  /** Parameters the user fixed (--param): not searched. */
  fixed: Record<string, string>;
  runner: Runner;
  /** Evaluate only this slice (K of N, 1-based). */
  shard?: { k: number; n: number };
  onBatch?: (evaluated: number, budget: number) => void;
}

/** One trace's figures for one setting. */
export interface TraceFigures {
  trace: string;
  peakLive: number;
  /** OOMs at the device heap that were not recovered. */
  ooms: number;
  minHeap: number | null;
  ratio: number | null;
  mean: number;
  p99: number;
  max: number;
  longestPause: number;
}

/** The aggregates one setting is judged by (lower is better everywhere). */
export interface Figures {
  /** 0 ran everywhere; 2 refused by the allocator, crashed or violated an invariant somewhere. */
  tier: 0 | 2;
  /** Traces with an OOM at the device heap. */
  oomTraces: number;
  space: number;
  speed: number;
  /** Geometric mean of mean cycles relative to the default setting's (1 for the default). */
  relSpeed: number;
  worst: number;
  score: number;
  error?: string;
  /** The allocator refused the setting (a parameter combination it cannot build): costs no budget. */
  refused?: boolean;
}

export interface TunePoint extends Figures {
  key: string;
  setting: Setting;
  perTrace: TraceFigures[];
}

export interface TuneSearch {
  method: 'grid' | 'local';
  /** Settings in the full grid (Infinity for a size list). */
  gridSize: number;
  dims: Dimension[];
  budget: number;
  seed: number;
  /** Distinct settings evaluated (all shards together after a merge), refused ones not counted. */
  evaluated: number;
  /** Distinct settings the allocator refused to build (no runs). */
  refused: number;
  points: TunePoint[];
  defaultKey: string;
  bestKey: string;
  traces: string[];
  excluded: { trace: string; peakLive: number; heap: number }[];
}

// ---- settings to runs ---------------------------------------------------------------------

/** The allocator parameters (as --param strings) of a setting, with the user's fixed ones. */
export function paramsOf(dims: readonly Dimension[], s: Setting, fixed: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...fixed };
  for (const d of dims) if (d.kind === 'param') out[d.name] = String(s[d.name]);
  return out;
}

/** The run flags (compaction triggers) of a setting, over the base run. */
export function runOf(dims: readonly Dimension[], s: Setting, base: BaseRun): BaseRun {
  const out: BaseRun = { ...base };
  for (const d of dims) {
    if (d.kind !== 'run') continue;
    const v = s[d.name];
    const field = d.name === 'compact-every' ? 'compactEvery' : d.name === 'compact-above' ? 'compactAboveExtFrag' : 'compactBudget';
    if (v === 'off') delete out[field];
    else out[field] = Number(v);
  }
  return out;
}

/** `--param k=v` and run flags that reproduce a setting in every command (defaults left out). */
export function flagsOf(dims: readonly Dimension[], s: Setting, fixed: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(fixed)) out.push(`--param ${k}=${v}`);
  for (const d of dims) {
    const v = s[d.name]!;
    if (d.kind === 'param') {
      if (String(v) !== String(d.default)) out.push(`--param ${d.name}=${String(v)}`);
    } else if (v !== 'off') out.push(`--${d.name} ${String(v)}`);
  }
  return out;
}

// ---- the workload -------------------------------------------------------------------------

/** Peak live bytes of a trace (Σ requested sizes of live ids), in one pass. */
export function peakLiveOf(t: PackedTrace): number {
  const { n, kind, id, arg } = t.ops;
  const live = new Map<number, number>();
  let cur = 0, peak = 0;
  for (let i = 0; i < n; i++) {
    const k = kind[i]!;
    if (k === OP_ALLOC || k === OP_REALLOC) {
      const old = live.get(id[i]!) ?? 0;
      cur += arg[i]! - old;
      if (k === OP_REALLOC && arg[i] === 0) live.delete(id[i]!);
      else live.set(id[i]!, arg[i]!);
    } else if (k === OP_FREE) {
      cur -= live.get(id[i]!) ?? 0;
      live.delete(id[i]!);
    }
    if (cur > peak) peak = cur;
  }
  return peak;
}

/** Request counts by size rounded up to `align`, over all traces, sizes within [lo, hi]. */
export function requestSizes(traces: readonly PackedTrace[], align: number, lo: number, hi: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const t of traces) {
    const { n, kind, arg } = t.ops;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      if (k !== OP_ALLOC && k !== OP_REALLOC) continue;
      const s = Math.max(lo, Math.ceil(Math.max(1, arg[i]!) / align) * align);
      if (s > hi) continue;
      m.set(s, (m.get(s) ?? 0) + 1);
    }
  }
  return m;
}

/**
 * The k class sizes (each a request size that occurs) that minimise Σ count × (class − size)
 * over the requests up to the largest size given: optimal 1-D quantisation by dynamic
 * programming over the distinct sizes (the largest size is always a class).
 */
export function wasteOptimalClasses(counts: Map<number, number>, k: number): number[] {
  const sizes = [...counts.keys()].sort((a, b) => a - b);
  const m = sizes.length;
  if (m === 0) return [];
  if (k >= m) return sizes;
  const c = sizes.map((s) => counts.get(s)!);
  // prefix sums of count and count × size
  const pc = [0], ps = [0];
  for (let i = 0; i < m; i++) {
    pc.push(pc[i]! + c[i]!);
    ps.push(ps[i]! + c[i]! * sizes[i]!);
  }
  // cost(i, j): sizes i..j all served by class sizes[j]
  const cost = (i: number, j: number): number => sizes[j]! * (pc[j + 1]! - pc[i]!) - (ps[j + 1]! - ps[i]!);
  let prev = new Array<number>(m).fill(Infinity);
  const back: number[][] = [];
  for (let j = 0; j < m; j++) prev[j] = cost(0, j);
  back.push(new Array<number>(m).fill(-1));
  for (let q = 1; q < k; q++) {
    const cur = new Array<number>(m).fill(Infinity);
    const b = new Array<number>(m).fill(-1);
    for (let j = q; j < m; j++)
      for (let i = q - 1; i < j; i++) {
        const v = prev[i]! + cost(i + 1, j);
        if (v < cur[j]!) {
          cur[j] = v;
          b[j] = i;
        }
      }
    prev = cur;
    back.push(b);
  }
  const out: number[] = [];
  let j = m - 1;
  for (let q = k - 1; q >= 0 && j >= 0; q--) {
    out.push(sizes[j]!);
    j = back[q]![j]!;
  }
  return out.reverse();
}

// ---- evaluation ---------------------------------------------------------------------------

const geomean = (xs: number[]): number => (xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : NaN);

export function goalValue(f: Pick<Figures, 'space' | 'speed' | 'relSpeed' | 'worst'>, goal: GoalName): number {
  return goalScore({ space: f.space, speed: f.speed, relSpeed: f.relSpeed, worstCycles: f.worst }, goal);
}

/** Aggregates per-trace figures; `baseMeans` are the default setting's mean cycles per trace. */
export function aggregate(per: readonly TraceFigures[], goal: GoalName, baseMeans: readonly number[] | null, error?: string, refused?: boolean): Figures {
  if (error !== undefined)
    return { tier: 2, oomTraces: 0, space: Infinity, speed: Infinity, relSpeed: Infinity, worst: Infinity, score: Infinity, error, ...(refused ? { refused: true } : {}) };
  const ratios: number[] = [];
  const means: number[] = [];
  const rel: number[] = [];
  let worst = 0, oomTraces = 0;
  per.forEach((t, i) => {
    if (t.ooms > 0) oomTraces++;
    if (t.peakLive > 0) ratios.push(t.ratio ?? Infinity);
    const mean = Math.max(t.mean, 1e-9);
    means.push(mean);
    rel.push(baseMeans ? mean / Math.max(baseMeans[i]!, 1e-9) : 1);
    worst = Math.max(worst, t.max, t.longestPause);
  });
  const f = { tier: 0 as const, oomTraces, space: ratios.length ? geomean(ratios) : 1, speed: geomean(means), relSpeed: geomean(rel), worst, score: 0 };
  f.score = goalValue(f, goal);
  return f;
}

/** Order of settings: refused last, fewer OOM traces, lower score (1e-9 relative), key. */
export function better(a: TunePoint, b: TunePoint): number {
  if (a.tier !== b.tier) return a.tier - b.tier;
  if (a.oomTraces !== b.oomTraces) return a.oomTraces - b.oomTraces;
  if (a.score !== b.score && Number.isFinite(a.score) && Number.isFinite(b.score)) {
    if (Math.abs(a.score - b.score) > 1e-9 * Math.max(Math.abs(a.score), Math.abs(b.score))) return a.score < b.score ? -1 : 1;
  } else if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Per-trace figures of a replay at the device heap and a min-heap search. */
export function traceFigures(name: string, peakLive: number, r: RunResult, m: MinHeapResult | null): TraceFigures {
  return {
    trace: name,
    peakLive,
    ooms: r.summary.ooms,
    minHeap: m ? m.minHeap : null,
    ratio: m ? m.ratio : null,
    mean: r.cycles.ops.mean,
    p99: r.cycles.ops.p99,
    max: r.cycles.ops.max,
    longestPause: r.compaction.longestPause,
  };
}

/** The traces a tune runs on (peak live within the heap the allocator can use) and those it leaves out. */
export function fittable(dev: DeviceProfile, f: AllocatorFactory, traces: readonly PackedTrace[]): {
  use: { t: PackedTrace; peakLive: number }[];
  excluded: { trace: string; peakLive: number; heap: number }[];
} {
  const spans = heapSpans(dev);
  const heap = (f.multiHeap ? spans : spans.slice(0, 1)).reduce((s, h) => s + h.size, 0);
  const use: { t: PackedTrace; peakLive: number }[] = [];
  const excluded: { trace: string; peakLive: number; heap: number }[] = [];
  for (const t of traces) {
    const peakLive = peakLiveOf(t);
    if (peakLive > heap) excluded.push({ trace: t.info.name, peakLive, heap });
    else use.push({ t, peakLive });
  }
  return { use, excluded };
}

class Evaluator {
  readonly cache = new Map<string, TunePoint>();
  baseMeans: number[] | null = null;
  constructor(
    private readonly inp: TuneInput,
    private readonly dims: Dimension[],
    private readonly use: { t: PackedTrace; peakLive: number }[],
  ) {}

  /** Evaluates the settings not yet in the cache, as one batch of jobs; returns all points. */
  async evaluate(list: { s: Setting; island: number }[]): Promise<TunePoint[]> {
    const todo: { s: Setting; island: number; key: string; error?: string; refused?: boolean }[] = [];
    const seen = new Set<string>();
    for (const x of list) {
      const key = settingKey(this.dims, x.s);
      if (this.cache.has(key) || seen.has(key)) continue;
      seen.add(key);
      todo.push({ ...x, key });
    }
    const jobs: Job[] = [];
    const f = getFactory(this.inp.allocator);
    const traces = this.use.map((u) => u.t);
    const slots: { todo: number; trace: number; job: number }[] = [];
    todo.forEach((x, xi) => {
      const params = paramsOf(this.dims, x.s, this.inp.fixed);
      try {
        resolveParams(f, this.inp.device.allocators?.[f.name], params);
      } catch (e) {
        if (!(e instanceof SimError)) throw e;
        x.error = e.message;
        x.refused = true;
        return;
      }
      const run = runOf(this.dims, x.s, this.inp.run);
      const cfg: RunConfig = { device: this.inp.device, allocator: this.inp.allocator, params, check: false, series: false, ...run };
      // One job per (setting, trace): the device-heap replay is also the min-heap search's first
      // probe. No band above the answer: it only moves safeFrom, which the search does not use
      // (the verification of the default and the tuned setting checks the study's band).
      traces.forEach((_, ti) => {
        slots.push({ todo: xi, trace: ti, job: jobs.length });
        jobs.push({ kind: 'cell', trace: ti, cfg, tolerance: SEARCH_TOLERANCE, band: NO_BAND });
      });
    });
    const out = jobs.length ? await this.inp.runner(traces, jobs) : [];
    const per: TraceFigures[][] = todo.map(() => []);
    for (const sl of slots) {
      const x = todo[sl.todo]!;
      if (x.error !== undefined) continue;
      const o = out[sl.job]!;
      const name = traces[sl.trace]!.info.name;
      if (!o.ok || o.kind !== 'cell') {
        x.error = `${name}: ${o.ok ? 'unexpected result' : o.error.message}`;
        if (!o.ok && o.error instanceof SimError && o.error.code === 'ALLOCATOR_PARAM') x.refused = true;
        continue;
      }
      const { run, minHeap, minHeapError } = o.value;
      if (run.status === 'violation') {
        x.error = `${name}: integrity violation: ${run.violation?.message ?? ''}`;
        continue;
      }
      // A search that fails on the input (SimError: e.g. still OOM at the largest heap) leaves no
      // min heap; any other failure is a bug and says so.
      if (minHeapError && minHeapError.code === undefined) {
        x.error = `${name}: min-heap search: ${minHeapError.message}`;
        continue;
      }
      per[sl.todo]!.push(traceFigures(name, this.use[sl.trace]!.peakLive, run, minHeap));
    }
    todo.forEach((x, xi) => {
      const figs = aggregate(per[xi]!, this.inp.goal, this.baseMeans, x.error, x.refused);
      this.cache.set(x.key, { key: x.key, setting: x.s, perTrace: x.error === undefined ? per[xi]! : [], ...figs });
    });
    return list.map((x) => this.cache.get(settingKey(this.dims, x.s))!);
  }
}

// ---- neighbours ---------------------------------------------------------------------------

interface Alphabet {
  /** For each sizeList dimension: the request sizes (aligned) that occur, ascending. */
  sizes: Map<string, number[]>;
  align: number;
}

function mutateOnce(dims: readonly Dimension[], s: Setting, rng: Prng, alpha: Alphabet): Setting {
  const d = dims[rng.int(0, dims.length - 1)]!;
  const out = { ...s };
  const vals = valuesOf(d.space);
  if (vals) {
    if (vals.length < 2) return out;
    const i = vals.findIndex((v) => String(v) === String(s[d.name]));
    let j: number;
    if (d.space.kind === 'choice' || i < 0) {
      // A choice list is short and unordered (0 may mean "auto"): any other value.
      j = rng.int(0, vals.length - 2);
      if (j >= i && i >= 0) j++;
    } else {
      // An ordered range: one step to either side.
      j = i + (rng.next() < 0.5 ? -1 : 1);
      if (j < 0) j = 1;
      if (j >= vals.length) j = vals.length - 2;
    }
    out[d.name] = vals[j]!;
    return out;
  }
  if (d.space.kind !== 'sizeList') return out;
  const sp = d.space;
  const cls = String(s[d.name]).split(',').map(Number).filter((n) => n > 0);
  const sizes = alpha.sizes.get(d.name) ?? [];
  const move = rng.int(0, 3);
  if (move === 0 && cls.length > 1) cls.splice(rng.int(0, cls.length - 1), 1);
  else if (move === 1 && cls.length < sp.maxCount && sizes.length > 0) cls.push(sizes[rng.int(0, sizes.length - 1)]!);
  else if (cls.length > 0) {
    // Move one class to the next or previous request size that occurs (or one alignment step).
    const i = rng.int(0, cls.length - 1);
    const c = cls[i]!;
    const up = rng.next() < 0.5;
    const cand = up ? sizes.find((x) => x > c) : [...sizes].reverse().find((x) => x < c);
    cls[i] = Math.min(sp.max, Math.max(sp.min, cand ?? c + (up ? alpha.align : -alpha.align)));
  }
  out[d.name] = normSizeList(cls, alpha.align);
  return out;
}

function neighbours(dims: readonly Dimension[], s: Setting, count: number, strength: number, rng: Prng, alpha: Alphabet, seen: Set<string>): Setting[] {
  const out: Setting[] = [];
  for (let tries = 0; out.length < count && tries < count * 20; tries++) {
    let m = s;
    for (let k = 0; k < strength; k++) m = mutateOnce(dims, m, rng, alpha);
    const key = settingKey(dims, m);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m);
  }
  return out;
}

/** The islands' starting points: the default, then settings derived from the request sizes. */
export function startingPoints(dims: readonly Dimension[], def: Setting, alpha: Alphabet, counts: Map<string, Map<number, number>>): Setting[] {
  const starts: Setting[] = [def];
  const list = dims.find((d) => d.space.kind === 'sizeList');
  if (list) {
    // The default list without its largest class (fewer, smaller classes: less slack per
    // class), and the classes that fit the traces' requests best up to half the default's
    // largest class (same count as the default).
    const dl = String(def[list.name]).split(',').map(Number).filter((n) => n > 0);
    if (dl.length > 1) starts.push({ ...def, [list.name]: normSizeList(dl.slice(0, -1), alpha.align) });
    const top = dl.length ? dl[dl.length - 1]! / 2 : Infinity;
    const c = new Map([...counts.get(list.name)!].filter(([size]) => size <= top));
    const cls = wasteOptimalClasses(c, Math.max(1, dl.length - 1));
    if (cls.length) starts.push({ ...def, [list.name]: normSizeList(cls, alpha.align) });
  }
  // Without a size list: the middle of every discrete dimension.
  const mid: Setting = { ...def };
  for (const d of dims) {
    const v = valuesOf(d.space);
    if (v) mid[d.name] = v[Math.floor(v.length / 2)]!;
  }
  starts.push(mid);
  const uniq: Setting[] = [];
  const keys = new Set<string>();
  for (const s of starts) {
    const k = settingKey(dims, s);
    if (!keys.has(k)) {
      keys.add(k);
      uniq.push(s);
    }
  }
  return uniq.slice(0, ISLANDS);
}

// ---- the search ---------------------------------------------------------------------------

/** Runs the search (or this shard's part of it). */
export async function tuneSearch(inp: TuneInput): Promise<TuneSearch> {
  const f = getFactory(inp.allocator);
  const resolved = resolveParams(f, inp.device.allocators?.[f.name], inp.fixed);
  const dims = dimensionsOf(f)
    .filter((d) => !(d.name in inp.fixed))
    .map((d) => (d.kind === 'param' ? { ...d, default: resolved[d.name] as ParamValue } : d));
  const { use, excluded } = fittable(inp.device, f, inp.traces);
  if (use.length === 0)
    throw new SimError('USAGE', `tune: no trace fits ${inp.device.name}'s heap (${excluded.map((e) => e.trace).join(', ') || 'no traces given'}): nothing to tune on`);
  const ev = new Evaluator(inp, dims, use);
  const def = defaultSetting(dims);
  const defKey = settingKey(dims, def);
  const shard = inp.shard ?? { k: 1, n: 1 };
  const mine = (i: number): boolean => i % shard.n === shard.k - 1;
  const grid = gridSize(dims);
  let method: 'grid' | 'local';

  // The default first: balanced scores are relative to its speed.
  const [d0] = await ev.evaluate([{ s: def, island: -1 }]);
  ev.baseMeans = d0!.perTrace.length ? d0!.perTrace.map((t) => t.mean) : null;
  if (d0!.tier === 2) throw new SimError('USAGE', `tune: ${inp.allocator} cannot run its default setting here: ${d0!.error}`);
  d0!.score = goalValue(d0!, inp.goal);
  const counted = (): number => [...ev.cache.values()].filter((p) => !p.refused).length;
  const report = (): void => inp.onBatch?.(counted(), inp.budget);
  report();

  if (dims.length === 0) method = 'grid';
  else if (grid <= inp.budget) {
    method = 'grid';
    const all = gridSettings(dims).filter((_, i) => mine(i));
    // Batches of a few settings keep the progress moving; results do not depend on batching.
    for (let i = 0; i < all.length; i += 8) {
      await ev.evaluate(all.slice(i, i + 8).map((s) => ({ s, island: -1 })));
      report();
    }
  } else {
    method = 'local';
    const alpha: Alphabet = { sizes: new Map(), align: Math.max(inp.device.alignment, inp.device.cpu.pointerBytes) };
    const counts = new Map<string, Map<number, number>>();
    for (const d of dims)
      if (d.space.kind === 'sizeList') {
        const c = requestSizes(use.map((u) => u.t), alpha.align, d.space.min, d.space.max);
        counts.set(d.name, c);
        alpha.sizes.set(d.name, [...c.keys()].sort((a, b) => a - b));
      }
    const starts = startingPoints(dims, def, alpha, counts);
    // Each island gets an equal share of the budget (the default counts for island 0).
    const share = Math.max(1, Math.floor((inp.budget - 1) / starts.length));
    interface Island { i: number; cur: TunePoint | null; start: Setting; asked: number; tries: number; stall: number; rng: Prng; seen: Set<string> }
    const islands: Island[] = starts
      .map((s, i) => ({ i, cur: null, start: s, asked: 0, tries: 0, stall: 0, rng: new Prng((inp.seed * 7919 + i * 104729) >>> 0), seen: new Set([settingKey(dims, s)]) }))
      .filter((isl) => mine(isl.i));
    // Step 0: every island's start.
    const p0 = await ev.evaluate(islands.map((isl) => ({ s: isl.start, island: isl.i })));
    islands.forEach((isl, j) => {
      isl.cur = p0[j]!;
      isl.asked = isl.i === 0 ? 0 : 1;
    });
    report();
    for (;;) {
      const asks: { isl: Island; list: Setting[] }[] = [];
      for (const isl of islands) {
        const left = share - isl.asked;
        // Refused settings cost no budget, but an island stops after 4 × its share of tries.
        if (left <= 0 || isl.stall > 6 || isl.tries >= 4 * share) continue;
        const list = neighbours(dims, isl.cur!.setting, Math.min(LAMBDA, left), 1 + Math.min(2, isl.stall), isl.rng, alpha, isl.seen);
        if (list.length === 0) {
          isl.stall = 99;
          continue;
        }
        isl.tries += list.length;
        asks.push({ isl, list });
      }
      if (asks.length === 0) break;
      await ev.evaluate(asks.flatMap((a) => a.list.map((s) => ({ s, island: a.isl.i }))));
      for (const a of asks) {
        const pts = a.list.map((s) => ev.cache.get(settingKey(dims, s))!).sort(better);
        a.isl.asked += pts.filter((p) => !p.refused).length;
        if (better(pts[0]!, a.isl.cur!) < 0) {
          a.isl.cur = pts[0]!;
          a.isl.stall = 0;
        } else a.isl.stall++;
      }
      report();
    }
  }

  const points = [...ev.cache.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const best = [...points].sort(better)[0]!;
  return {
    method,
    gridSize: grid,
    dims,
    budget: inp.budget,
    seed: inp.seed,
    evaluated: points.filter((p) => !p.refused).length,
    refused: points.filter((p) => p.refused).length,
    points,
    defaultKey: defKey,
    bestKey: best.key,
    traces: use.map((u) => u.t.info.name),
    excluded,
  };
}

/** Combines shards' searches (same inputs, all of 1..N): the union of points and the best. */
export function mergeSearches(parts: readonly TuneSearch[]): TuneSearch {
  const first = parts[0]!;
  const byKey = new Map<string, TunePoint>();
  // The same setting evaluated by two shards has the same figures (evaluation is deterministic).
  for (const p of parts) for (const x of p.points) if (!byKey.has(x.key)) byKey.set(x.key, x);
  const points = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const best = [...points].sort(better)[0]!;
  return { ...first, evaluated: points.filter((p) => !p.refused).length, refused: points.filter((p) => p.refused).length, points, bestKey: best.key };
}

/** The settings on the Pareto front of (space, speed): no other point is at least as good in both and better in one. */
export function paretoFront(points: readonly TunePoint[]): TunePoint[] {
  const ok = points.filter((p) => p.tier === 0 && Number.isFinite(p.space) && Number.isFinite(p.speed));
  const front = ok.filter((p) => !ok.some((q) => q !== p && q.space <= p.space && q.speed <= p.speed && (q.space < p.space || q.speed < p.speed)));
  return front.sort((a, b) => a.space - b.space || a.speed - b.speed);
}
