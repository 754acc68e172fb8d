/**
 * An allocator's tune space, read from its registry entry: the parameters that declare a
 * `space` and the run settings it lists in `runKnobs` (src/alloc/types.ts). A setting is one
 * value per dimension; its key (`name=value` pairs in declaration order) identifies it.
 *
 * Discrete dimensions (choice, int, pow2, the run knobs) enumerate; a `sizeList` (slab's
 * classes) cannot be enumerated in reasonable time and makes the space "large".
 */
import { getFactory } from '../alloc';
import type { AllocatorFactory, ParamSpace, ParamValue } from '../alloc';

/** One dimension of the search: an allocator parameter or a run setting (a CLI flag). */
export interface Dimension {
  /** Parameter name, or the flag name for a run setting. */
  name: string;
  kind: 'param' | 'run';
  space: ParamSpace;
  /** The value the allocator runs with when nothing is given ('off' for an absent run flag). */
  default: ParamValue;
}

/** One point of the space: a value per dimension, by dimension name. */
export type Setting = Record<string, ParamValue>;

export function dimensionsOf(f: AllocatorFactory): Dimension[] {
  const dims: Dimension[] = [];
  for (const p of f.params) if (p.space) dims.push({ name: p.name, kind: 'param', space: p.space, default: p.default });
  for (const k of f.runKnobs ?? []) dims.push({ name: k.flag, kind: 'run', space: { kind: 'choice', values: k.values }, default: 'off' });
  return dims;
}

/** Every value of a discrete space, in declaration order; undefined for a sizeList. */
export function valuesOf(s: ParamSpace): ParamValue[] | undefined {
  switch (s.kind) {
    case 'choice':
      return [...s.values];
    case 'int': {
      const out: number[] = [];
      for (let v = s.min; v <= s.max; v += s.step ?? 1) out.push(v);
      return out;
    }
    case 'pow2': {
      const out: number[] = [];
      for (let v = s.min; v <= s.max; v *= 2) out.push(v);
      return out;
    }
    case 'sizeList':
      return undefined;
  }
}

/** Number of settings a grid would visit; Infinity when a dimension is a sizeList. */
export function gridSize(dims: readonly Dimension[]): number {
  let n = 1;
  for (const d of dims) {
    const v = valuesOf(d.space);
    if (!v) return Infinity;
    n *= v.length;
  }
  return n;
}

/** Every setting of a discrete space (the exhaustive grid), first dimension slowest. */
export function gridSettings(dims: readonly Dimension[]): Setting[] {
  let out: Setting[] = [{}];
  for (const d of dims) {
    const vals = valuesOf(d.space);
    if (!vals) throw new Error(`gridSettings: ${d.name} is not discrete`);
    const next: Setting[] = [];
    for (const s of out) for (const v of vals) next.push({ ...s, [d.name]: v });
    out = next;
  }
  return out;
}

/** The default setting: every dimension at its default. */
export function defaultSetting(dims: readonly Dimension[]): Setting {
  const s: Setting = {};
  for (const d of dims) s[d.name] = d.default;
  return s;
}

/** A stable key for a setting (dimension order). */
export function settingKey(dims: readonly Dimension[], s: Setting): string {
  return dims.map((d) => `${d.name}=${String(s[d.name])}`).join(' ');
}

/** Normalises a size list: integers rounded up to `align`, distinct, ascending, as "a,b,c". */
export function normSizeList(sizes: readonly number[], align: number): string {
  const r = [...new Set(sizes.map((n) => Math.ceil(n / align) * align))].sort((a, b) => a - b);
  return r.join(',');
}

/** The dimensions of an allocator by name. */
export function dimensionsOfName(name: string): Dimension[] {
  return dimensionsOf(getFactory(name));
}
