/**
 * The engine's per-id bookkeeping (design §7: it keeps id → handle and id → requested size).
 *
 * State per trace id lives in typed arrays indexed by a slot. Recorders reuse freed ids, so ids
 * are compact and the slot is the id itself; a trace with huge sparse ids is remapped to compact
 * slots once (cached per trace). Alongside: Σ requested (live), Σ (usable − requested)
 * (internal) and Σ blockFootprint(requested) over live ids with its peak (idealFootprint).
 */
import type { Allocator } from '../alloc';
import { OP_UNLOCK, type PackedTrace } from '../trace';
import type { TraceFacts } from './prepass';
import { ID_LIVE, ID_NONE } from './ids';

/** Dense per-id arrays up to this many ids (or 4 × ops, whichever is larger); remap beyond. */
const DENSE_IDS = 1 << 20;

interface Remap {
  slotOf: Int32Array;
  slotToId: Float64Array;
}

const remapCache = new WeakMap<PackedTrace, Remap>();

function remap(trace: PackedTrace): Remap {
  const hit = remapCache.get(trace);
  if (hit) return hit;
  const { n, kind, id } = trace.ops;
  const slotOf = new Int32Array(n);
  const m = new Map<number, number>();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    if (kind[i]! > OP_UNLOCK) continue;
    const x = id[i]!;
    let s = m.get(x);
    if (s === undefined) {
      s = ids.length;
      m.set(x, s);
      ids.push(x);
    }
    slotOf[i] = s;
  }
  const r = { slotOf, slotToId: Float64Array.from(ids) };
  remapCache.set(trace, r);
  return r;
}

/** Whether a trace's ids are too sparse for dense per-id arrays (Slots then remaps them, per op). */
export function needsRemap(facts: TraceFacts): boolean {
  return !(facts.maxId + 1 <= Math.max(DENSE_IDS, 4 * facts.ops) && Number.isInteger(facts.maxId));
}

export class Slots {
  readonly handle: Float64Array;
  readonly req: Float64Array;
  readonly usable: Float64Array;
  /** ID_NONE, ID_LIVE or ID_FAILED. */
  readonly state: Uint8Array;
  readonly locks: Int32Array;
  /** blockFootprint(requested) per slot (subtracted at free). */
  readonly fp: Float64Array;
  /** Op index → slot when remapped, else null (the slot is the id). */
  readonly slotOf: Int32Array | null;
  readonly slotToId: Float64Array | null;
  live = 0;
  internal = 0;
  footprint = 0;
  /** Peak of fixedMeta + footprint. */
  peakFootprint = 0;
  /** Bumped whenever the handle set changes (for the reverse map). */
  version = 0;
  private readonly allocator: Allocator;
  private readonly fixedMeta: number;
  private readonly fpCache: Float64Array = new Float64Array(4096).fill(-1);
  private viewVersion = -1;
  private readonly viewMap: Map<number, number> = new Map();

  /** `trace` may be null (a streamed trace) when the ids are dense (needsRemap false). */
  constructor(trace: PackedTrace | null, facts: TraceFacts, allocator: Allocator) {
    this.allocator = allocator;
    this.fixedMeta = allocator.fixedMetadataBytes();
    let slots: number;
    if (!needsRemap(facts)) {
      slots = facts.maxId + 1;
      this.slotOf = null;
      this.slotToId = null;
    } else {
      if (trace === null) throw new Error('Slots: sparse ids are remapped from the packed trace; none given');
      const m = remap(trace);
      this.slotOf = m.slotOf;
      this.slotToId = m.slotToId;
      slots = m.slotToId.length;
    }
    slots = Math.max(1, slots);
    this.handle = new Float64Array(slots);
    this.req = new Float64Array(slots);
    this.usable = new Float64Array(slots);
    this.state = new Uint8Array(slots);
    this.locks = new Int32Array(slots);
    this.fp = new Float64Array(slots);
  }

  get count(): number {
    return this.state.length;
  }

  idOfSlot(s: number): number {
    return this.slotToId ? this.slotToId[s]! : s;
  }

  /** Slot s now holds handle h for a request of `size` bytes (after alloc or realloc). */
  bind(s: number, h: number, size: number): void {
    this.handle[s] = h;
    this.req[s] = size;
    const u = this.allocator.usableSize(h);
    this.usable[s] = u;
    this.internal += u - size;
    this.live += size;
    const fp = this.footprintOf(size);
    this.fp[s] = fp;
    this.footprint += fp;
    if (this.footprint + this.fixedMeta > this.peakFootprint) this.peakFootprint = this.footprint + this.fixedMeta;
    if (this.state[s] !== ID_LIVE) this.locks[s] = 0;
    this.state[s] = ID_LIVE;
    this.version++;
  }

  /** Takes slot s's block out of the sums (before a rebind by realloc, or at free). */
  unbind(s: number): void {
    const r = this.req[s]!;
    this.live -= r;
    this.internal -= this.usable[s]! - r;
    this.footprint -= this.fp[s]!;
  }

  /** Slot s was freed. */
  release(s: number): void {
    this.unbind(s);
    this.state[s] = ID_NONE;
    this.locks[s] = 0;
    this.version++;
  }

  private footprintOf(size: number): number {
    const c = this.fpCache;
    if (size < c.length) {
      const v = c[size]!;
      if (v >= 0) return v;
      return (c[size] = this.allocator.blockFootprint(size));
    }
    return this.allocator.blockFootprint(size);
  }

  /** The slot of the live id holding handle h, or -1 (reverse map, rebuilt lazily). */
  slotOfHandle(h: number): number {
    if (this.viewVersion !== this.version) {
      this.viewMap.clear();
      const st = this.state;
      for (let s = 0; s < st.length; s++) if (st[s] === ID_LIVE) this.viewMap.set(this.handle[s]!, s);
      this.viewVersion = this.version;
    }
    return this.viewMap.get(h) ?? -1;
  }
}
