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
import type { PackedTrace } from '../trace/types';

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
  h.update(Buffer.from(t.ops.id.buffer, t.ops.id.byteOffset, n * 8));
  h.update(Buffer.from(t.ops.arg.buffer, t.ops.arg.byteOffset, n * 8));
  return h.digest('hex').slice(0, 16);
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
