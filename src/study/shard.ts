/**
 * Sweeps that outgrow one machine: `--shard K/N` runs a deterministic slice of a command's jobs
 * and writes a partial JSON; `rmalloc-sim merge P...` combines the N partials into exactly the
 * output of the unsharded run. Any batch runner can drive it (GNU parallel, a Kubernetes Indexed
 * Job, a Slurm array: README "Sweeps"); nothing here schedules anything.
 *
 * A partial records the command, a fingerprint of its inputs (device, options, the traces'
 * names and content hashes), K and N; merge refuses partials whose fingerprints or N differ, a
 * missing or repeated K, and says which.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { SimError } from '../errors';
import { fromWire, runJobsHere, setJobsHook, toWire, type Job, type JobOutcome, type JobsHook, type WireError } from '../sim';
import type { NumColumn, PackedTrace } from '../trace';

export interface Shard {
  k: number;
  n: number;
}

/** Parses `K/N` (1 <= K <= N). */
export function parseShard(v: unknown): Shard | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(String(v));
  const k = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1 && k >= 1 && k <= n)) throw new SimError('USAGE', `--shard: "${String(v)}" is not K/N with 1 <= K <= N`);
  return { k, n };
}

/** Whether job (or setting) number i (0-based) belongs to shard K of N: round robin. */
export const inShard = (i: number, s: Shard | undefined): boolean => !s || i % s.n === s.k - 1;

/** A content hash of a packed trace (ops and name), so merge can tell the inputs were the same. */
export function traceHash(t: PackedTrace): string {
  const h = crypto.createHash('sha256');
  const n = t.ops.n;
  h.update(t.info.name);
  h.update(Buffer.from(t.ops.kind.buffer, t.ops.kind.byteOffset, n));
  hashF64(h, t.ops.id, n);
  hashF64(h, t.ops.arg, n);
  return h.digest('hex').slice(0, 16);
}

/** Hashes col[0, n) as float64 bytes whatever its packed type (the same hash for a narrow column). */
function hashF64(h: crypto.Hash, col: NumColumn, n: number): void {
  if (col instanceof Float64Array) {
    h.update(Buffer.from(col.buffer, col.byteOffset, n * 8));
    return;
  }
  const buf = new Float64Array(Math.min(n, 65536));
  for (let i = 0; i < n; i += buf.length) {
    const k = Math.min(buf.length, n - i);
    buf.set(col.subarray(i, i + k));
    h.update(Buffer.from(buf.buffer, 0, k * 8));
  }
}

/** A stable hash of the inputs that decide a command's output. */
export function fingerprint(inputs: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

export interface Partial<T = unknown> {
  schema: 1;
  partial: true;
  command: 'compare' | 'tune' | 'squeeze';
  shard: Shard;
  fingerprint: string;
  /** What the fingerprint was made of (for the error message and for merge to rebuild the output). */
  inputs: unknown;
  data: T;
}

/** Reads and checks partials: one command, one fingerprint, one N, every K exactly once. */
export function readPartials(files: readonly string[]): Partial[] {
  if (files.length === 0) throw new SimError('USAGE', 'merge: name the partial JSON files to merge');
  const parts: Partial[] = files.map((file) => {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new SimError('USAGE', `not a partial JSON file: ${(e as Error).message}`, { file });
    }
    const p = raw as Partial;
    if (!p || p.partial !== true || typeof p.fingerprint !== 'string' || !p.shard)
      throw new SimError('USAGE', 'not a partial written by --shard K/N', { file });
    return p;
  });
  const first = parts[0]!;
  parts.forEach((p, i) => {
    if (p.command !== first.command)
      throw new SimError('USAGE', `a ${p.command} partial cannot merge with ${first.command} partials`, { file: files[i]! });
    if (p.fingerprint !== first.fingerprint || p.shard.n !== first.shard.n)
      throw new SimError('USAGE', `made from other inputs than ${files[0]!} (inputs or shard count differ)`, { file: files[i]! });
  });
  const seen = new Map<number, string>();
  parts.forEach((p, i) => {
    const had = seen.get(p.shard.k);
    if (had) throw new SimError('USAGE', `shard ${p.shard.k}/${p.shard.n} given twice (also ${had})`, { file: files[i]! });
    seen.set(p.shard.k, files[i]!);
  });
  const missing: number[] = [];
  for (let k = 1; k <= first.shard.n; k++) if (!seen.has(k)) missing.push(k);
  if (missing.length) throw new SimError('USAGE', `merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${first.shard.n}`).join(', ')} missing`);
  return parts.sort((a, b) => a.shard.k - b.shard.k);
}

/** Turns the nulls JSON made of non-finite numbers back into Infinity at the given keys. */
export function reviveInfinity<T>(v: T, keys: readonly string[]): T {
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (o[k] === null && keys.includes(k)) o[k] = Infinity;
        else walk(o[k]);
      }
    }
  };
  walk(v);
  return v;
}

// ---- compare, squeeze and the default command: slices of (trace, allocator) cells --------------

/**
 * How compare and squeeze shard (tune shards its own search, src/study/tune.ts). Every job the
 * command asks the pool for belongs to a cell: its trace and its allocator with parameters. Cells
 * are numbered in the order the command first asks for them (the same in every shard: the first
 * batch is planned from the inputs alone) and dealt round robin; a shard runs every job of its
 * cells, in every phase (squeeze's ladders follow its min heaps), answers the others' jobs with
 * a placeholder and records its own outcomes under a digest of the job. merge runs the command
 * again with the pool replaced by those records: the same code on the same outcomes gives the
 * same JSON, tables and advice.
 */

type WireOutcome = { ok: true; kind: 'replay' | 'minHeap'; value: unknown } | { ok: false; error: WireError };

/** JSON that keeps NaN and ±Infinity (as {"$num": "Infinity"}), so recorded outcomes come back exact. */
export function encodeExact(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? { $num: String(x) } : x)));
}

export function decodeExact<T>(v: unknown): T {
  return JSON.parse(JSON.stringify(v), (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && typeof x.$num === 'string' ? Number(x.$num) : x)) as T;
}

function jobDigest(hashes: readonly string[], j: Job): string {
  const { factory, device, ...cfg } = j.cfg as Job['cfg'] & { factory?: unknown };
  void factory;
  return fingerprint({ kind: j.kind, trace: hashes[j.trace], device, cfg, tolerance: j.kind === 'minHeap' ? j.tolerance ?? 0 : undefined });
}

const cellOf = (hashes: readonly string[], j: Job): string => fingerprint([hashes[j.trace], j.cfg.allocator, j.cfg.params ?? {}]);

export interface SliceRecord {
  traces: { name: string; hash: string }[];
  /** Cells seen, in order, and how many this shard ran. */
  cells: number;
  mine: number;
  outcomes: Record<string, WireOutcome>;
}

/** Installs the pool hook of `--shard K/N`; returns what it records. */
export function recordSlice(shard: Shard): SliceRecord {
  const rec: SliceRecord = { traces: [], cells: 0, mine: 0, outcomes: {} };
  const cells = new Map<string, number>();
  const hook: JobsHook = async (traces, jobs, opts) => {
    const hashes = traces.map(traceHash);
    rec.traces = traces.map((t, i) => ({ name: t.info.name, hash: hashes[i]! }));
    const idx: number[] = [];
    jobs.forEach((j, i) => {
      const c = cellOf(hashes, j);
      if (!cells.has(c)) cells.set(c, cells.size);
      if (inShard(cells.get(c)!, shard)) idx.push(i);
    });
    rec.cells = cells.size;
    rec.mine = [...cells.values()].filter((i) => inShard(i, shard)).length;
    const ran = await runJobsHere(traces, idx.map((i) => jobs[i]!), opts);
    const out: JobOutcome[] = jobs.map(() => ({ ok: false, error: new SimError('USAGE', `not in shard ${shard.k}/${shard.n}`) }));
    idx.forEach((i, k) => {
      const o = ran[k]!;
      out[i] = o;
      rec.outcomes[jobDigest(hashes, jobs[i]!)] = (o.ok ? encodeExact(o) : { ok: false, error: toWire(o.error) }) as WireOutcome;
    });
    return out;
  };
  setJobsHook(hook);
  return rec;
}

/** Installs the pool hook of merge: every job is answered from the partials' records. */
export function serveRecorded(outcomes: Record<string, WireOutcome>): void {
  setJobsHook(async (traces, jobs, opts) => {
    const hashes = traces.map(traceHash);
    const out = jobs.map((j): JobOutcome => {
      const o = outcomes[jobDigest(hashes, j)];
      if (!o)
        throw new SimError('USAGE', `merge: the partials hold no result for a ${j.kind} job of ${j.cfg.allocator} on ${traces[j.trace]!.info.name}: were they made from these traces and options?`);
      return o.ok ? decodeExact<JobOutcome>(o) : { ok: false, error: fromWire(o.error) };
    });
    opts.onProgress?.(jobs.length, jobs.length);
    return out;
  });
}
