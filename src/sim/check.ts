/**
 * Integrity checking (design §7 `--check`), one implementation for the engine and the tests.
 *
 * heapProblems() is the structural cross-check of an allocator against what its user knows:
 * the allocator's own check() is clean; walk() lists blocks in address order without overlap,
 * each inside a managed heap; every used block's payload is aligned to the device alignment,
 * lies inside its block (non-moving allocators), agrees with usableSize()/addressOf(), and is
 * held by exactly one live handle with usable >= requested; every live handle is listed; and
 * 0 <= largestAllocatable <= freeBytes, Σ usable + metadata + free <= heap bytes.
 *
 * Checker adds payload contents for a replay: at alloc/realloc an id-derived pattern is
 * written into the payload through the bus's uncounted application port and verified whenever
 * the block is freed, reallocated, locked or moved (after a compaction every live block), and
 * once more at the end of the run.
 *
 * `--check-every N` (issue 15 item 9): the whole-heap check above is O(blocks), so running it
 * after every op makes --check unusable on real traces. Instead, after every op the checker
 * looks at what the op touched, in O(log live + the bytes of the touched block's neighbours):
 * - the allocator's step assertions (its local invariants, Allocator.stepFailures);
 * - the block just allocated or reallocated: payload aligned, inside a managed heap, usable >=
 *   requested, not overlapping the live blocks on either side of it in address order (the
 *   checker keeps the live payload ranges sorted by address: LiveRanges);
 * - the payloads of those neighbours (and, after a free, of the freed block's neighbours) still
 *   hold their patterns: an allocator that writes a header or footer past a block's end is
 *   caught at the op that did it;
 * - the engine's conservation arithmetic and 0 <= largest <= free (src/metrics, O(1), every op);
 * and runs the whole-heap check every N ops and at the end of the run. N = 1 is the full check
 * after every op.
 */
import type { Allocator } from '../alloc';
import type { MemoryBus } from '../bus';
import type { HeapSpan } from '../device';
import { hex } from '../util';
import { ID_LIVE } from './ids';
import type { Slots } from './slots';

/** A failed integrity check thrown inside an op; the engine turns it into a violation. */
export class CheckFailure extends Error {
  readonly addr: number;
  constructor(message: string, addr: number) {
    super(message);
    this.name = 'CheckFailure';
    this.addr = addr;
  }
}

export interface CheckProblem {
  message: string;
  addr: number;
}

/** What the user of an allocator knows: its heaps and the live handles with their requests. */
export interface HeapExpectation {
  heaps: readonly HeapSpan[];
  alignment: number;
  /** Requested bytes behind a live handle; undefined when no live id holds it. */
  requested(handle: number): number | undefined;
  /** Every live handle (each must be listed by walk()). */
  liveHandles(): Iterable<number>;
  /** A name for the holder of a live handle in messages (e.g. "id 7"). */
  describe?(handle: number): string;
}

/** The structural checks; stops after `limit` problems (the engine wants the first). */
export function heapProblems(a: Allocator, x: HeapExpectation, limit = Infinity): CheckProblem[] {
  const out: CheckProblem[] = [];
  const own = a.check();
  if (own.length) {
    out.push({ message: `allocator check(): ${own.join('; ')}`, addr: 0 });
    if (out.length >= limit) return out;
  }
  // The observers are read before walk(): a black-box allocator (src/wasm) re-probes its
  // largestAllocatable only after a walk, and the engine's metrics must see that fresh probe.
  const total = x.heaps.reduce((sum, h) => sum + h.size, 0);
  const free = a.freeBytes();
  const largest = a.largestAllocatable();
  const meta = a.metadataBytes();
  const seen = new Set<number>();
  let prevEnd = -1;
  let usableSum = 0;
  const { heaps, alignment } = x;
  a.walk((b) => {
    if (out.length >= limit) return;
    const where = `block @${hex(b.addr, 0)} (size ${b.size}, ${b.state})`;
    const bad = (m: string): void => {
      out.push({ message: `${where}: ${m}`, addr: b.addr });
    };
    if (!(b.size > 0)) return bad('non-positive size');
    if (b.addr < prevEnd) return bad(`overlaps the previous block or is out of address order (previous ends at ${hex(prevEnd, 0)})`);
    prevEnd = b.addr + b.size;
    if (!heaps.some((h) => b.addr >= h.base && b.addr + b.size <= h.base + h.size)) return bad('lies outside every managed heap');
    if (b.state !== 'used') return;
    if (b.payload % alignment !== 0) return bad(`payload ${hex(b.payload, 0)} is not ${alignment}-byte aligned`);
    if (!a.moving && (b.payload < b.addr || b.payload + b.usable > b.addr + b.size)) return bad('payload lies outside its block');
    const req = x.requested(b.handle);
    if (req === undefined) return bad(`handle ${hex(b.handle, 0)} belongs to no live id`);
    if (seen.has(b.handle)) return bad(`handle ${hex(b.handle, 0)} listed twice`);
    seen.add(b.handle);
    if (b.usable < req) return bad(`usable ${b.usable} < requested ${req}${x.describe ? ` (${x.describe(b.handle)})` : ''}`);
    if (a.usableSize(b.handle) !== b.usable) return bad(`usableSize ${a.usableSize(b.handle)} != walk usable ${b.usable}`);
    if (a.addressOf(b.handle) !== b.payload) return bad(`addressOf ${hex(a.addressOf(b.handle), 0)} != walk payload ${hex(b.payload, 0)}`);
    usableSum += b.usable;
  });
  if (out.length >= limit) return out;
  for (const h of x.liveHandles()) {
    if (seen.has(h)) continue;
    out.push({ message: `live ${x.describe ? x.describe(h) : 'block'} (handle ${hex(h, 0)}) is missing from walk()`, addr: a.addressOf(h) });
    if (out.length >= limit) return out;
  }
  if (!(largest >= 0 && largest <= free)) out.push({ message: `largestAllocatable ${largest} not in [0, freeBytes ${free}]`, addr: 0 });
  if (usableSum + meta + free > total) out.push({ message: `usable ${usableSum} + metadata ${meta} + free ${free} > heap ${total}`, addr: 0 });
  return out.slice(0, limit);
}

/** Pattern byte j of an allocation with seed sd. */
export function patternByte(sd: number, j: number): number {
  return (Math.imul(sd, 0x9e3779b1) + j * 7 + (j >>> 8)) & 0xff;
}

/** What the checker reads of a replay. */
export interface CheckTarget {
  allocator: Allocator;
  bus: MemoryBus;
  heaps: readonly HeapSpan[];
  alignment: number;
  slots: Slots;
}

/** The CLI's default stride of the whole-heap check (`--check-every`). */
export const DEFAULT_CHECK_EVERY = 1000;

/**
 * The live payload ranges [addr, addr + requested) sorted by address, so the blocks on either
 * side of an address are found by binary search. Inserts and removals shift the arrays
 * (memmove of at most the live count, cheap next to an op under --check).
 */
export class LiveRanges {
  addr: Float64Array;
  slot: Int32Array;
  n = 0;
  /** Per slot: its address in the index, or -1 when it is not in it. */
  private readonly at: Float64Array;

  constructor(slots: number) {
    this.addr = new Float64Array(64);
    this.slot = new Int32Array(64);
    this.at = new Float64Array(slots).fill(-1);
  }

  /** Index of the first range starting at or after `a`. */
  lowerBound(a: number): number {
    let lo = 0;
    let hi = this.n;
    const x = this.addr;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x[mid]! < a) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of slot s in the index, or -1. */
  indexOf(s: number): number {
    const a = this.at[s]!;
    if (a < 0) return -1;
    for (let j = this.lowerBound(a); j < this.n && this.addr[j] === a; j++) if (this.slot[j] === s) return j;
    return -1;
  }

  insert(s: number, a: number): number {
    if (this.n === this.addr.length) {
      const na = new Float64Array(this.n * 2);
      na.set(this.addr);
      this.addr = na;
      const ns = new Int32Array(this.n * 2);
      ns.set(this.slot);
      this.slot = ns;
    }
    const j = this.lowerBound(a);
    this.addr.copyWithin(j + 1, j, this.n);
    this.slot.copyWithin(j + 1, j, this.n);
    this.addr[j] = a;
    this.slot[j] = s;
    this.at[s] = a;
    this.n++;
    return j;
  }

  /** Removes slot s; returns where it was (its former successor's index now), or -1. */
  remove(s: number): number {
    const j = this.indexOf(s);
    if (j < 0) return -1;
    this.addr.copyWithin(j, j + 1, this.n);
    this.slot.copyWithin(j, j + 1, this.n);
    this.n--;
    this.at[s] = -1;
    return j;
  }

  /** Replaces the contents with `sorted` (slots in address order) at addresses `at[slot]`. */
  load(sorted: readonly number[], at: Float64Array): void {
    for (let j = 0; j < this.n; j++) this.at[this.slot[j]!] = -1;
    let cap = this.addr.length;
    while (cap < sorted.length) cap *= 2;
    if (cap !== this.addr.length) {
      this.addr = new Float64Array(cap);
      this.slot = new Int32Array(cap);
    }
    for (let j = 0; j < sorted.length; j++) {
      const s = sorted[j]!;
      this.addr[j] = at[s]!;
      this.slot[j] = s;
      this.at[s] = at[s]!;
    }
    this.n = sorted.length;
  }
}

export class Checker {
  private readonly t: CheckTarget;
  private readonly slots: Slots;
  private readonly seeds: Uint32Array;
  private nextSeed = 1;
  private readonly expect: HeapExpectation;
  /** Whole-heap check every `every` ops (1: after every op). */
  readonly every: number;
  private readonly ranges: LiveRanges;
  /** The ranges no longer match the heap (blocks moved): rebuilt at the next op's end. */
  private stale = false;
  /** Slots whose block this op allocated or reallocated, and slots next to a block it freed. */
  private readonly touched: number[] = [];
  private readonly near: number[] = [];

  constructor(t: CheckTarget, every = 1) {
    this.t = t;
    this.slots = t.slots;
    this.every = Math.max(1, Math.floor(every));
    this.ranges = new LiveRanges(t.slots.count);
    this.seeds = new Uint32Array(t.slots.count);
    const sl = t.slots;
    this.expect = {
      heaps: t.heaps,
      alignment: t.alignment,
      requested: (h) => {
        const s = sl.slotOfHandle(h);
        return s < 0 ? undefined : sl.req[s]!;
      },
      liveHandles: function* () {
        for (let s = 0; s < sl.count; s++) if (sl.state[s] === ID_LIVE) yield sl.handle[s]!;
      },
      describe: (h) => `id ${sl.idOfSlot(sl.slotOfHandle(h))}`,
    };
  }

  private addr(s: number): number {
    return this.t.allocator.addressOf(this.slots.handle[s]!);
  }

  /** Writes a fresh pattern into slot s's payload (after alloc). */
  fill(s: number): void {
    this.seeds[s] = this.nextSeed++;
    this.write(s, 0);
    this.touched.push(s);
  }

  /** Verifies slot s's payload before it is freed; its neighbours are verified after the op. */
  beforeFree(s: number): void {
    this.verify(s, 'free');
    if (this.stale) return;
    const r = this.ranges;
    const j = r.remove(s);
    if (j < 0) return;
    if (j > 0) this.near.push(r.slot[j - 1]!);
    if (j < r.n) this.near.push(r.slot[j]!);
  }

  private write(s: number, from: number): void {
    const n = this.slots.req[s]!;
    if (n <= 0) return;
    const b = this.t.bus.appBytes(this.addr(s), n);
    const sd = this.seeds[s]!;
    for (let j = from; j < n; j++) b[j] = patternByte(sd, j);
  }

  private mismatch(s: number, n: number): number {
    if (n <= 0) return -1;
    const b = this.t.bus.appBytes(this.addr(s), n);
    const sd = this.seeds[s]!;
    for (let j = 0; j < n; j++) if (b[j] !== patternByte(sd, j)) return j;
    return -1;
  }

  /** Verifies slot s's payload before `why` (free, realloc, lock); throws CheckFailure. */
  verify(s: number, why: string): void {
    const j = this.mismatch(s, this.slots.req[s]!);
    if (j >= 0) throw this.corrupt(s, j, `before ${why}`);
  }

  /** After a successful realloc from `old` bytes: the kept prefix must survive; refill the rest. */
  afterRealloc(s: number, old: number): void {
    const keep = Math.min(old, this.slots.req[s]!);
    const j = this.mismatch(s, keep);
    if (j >= 0) throw this.corrupt(s, j, `after realloc from ${old} bytes`);
    this.write(s, keep);
    this.touched.push(s);
  }

  /** After a compaction: every live payload must be intact at its (new) address. */
  afterMove(i: number): void {
    this.stale = true;
    const p = this.verifyAll();
    if (p) throw new CheckFailure(`${p.message} (after compaction at op ${i})`, p.addr);
  }

  /**
   * The checks after op i: what the op touched at every op, the whole heap when i ends a
   * stride (`every` ops) or `last` is set; null when healthy.
   */
  afterOp(i: number, last: boolean): CheckProblem | null {
    const p = this.local();
    this.touched.length = 0;
    this.near.length = 0;
    if (p) return p;
    if (this.every === 1 || last || (i + 1) % this.every === 0) return this.heap();
    return null;
  }

  /** The op's local checks (see the file comment). */
  private local(): CheckProblem | null {
    const a = this.t.allocator;
    if (a.stepFailures) {
      const f = a.stepFailures();
      if (f.length) return { message: `allocator check(): ${f.join('; ')}`, addr: 0 };
    }
    if (this.stale) return this.rebuild();
    const sl = this.slots;
    for (const s of this.touched) {
      if (sl.state[s] !== ID_LIVE) continue;
      this.ranges.remove(s);
      const p = this.placed(s);
      if (p) return p;
      const j = this.ranges.insert(s, this.addr(s));
      const q = this.around(j);
      if (q) return q;
    }
    for (const s of this.near) {
      if (sl.state[s] !== ID_LIVE) continue;
      const q = this.intact(s, 'next to a block freed by this op');
      if (q) return q;
    }
    return null;
  }

  /** Slot s's block where the full check would look at it: aligned, in a heap, large enough. */
  private placed(s: number): CheckProblem | null {
    const a = this.t.allocator;
    const h = this.slots.handle[s]!;
    const p = a.addressOf(h);
    const u = a.usableSize(h);
    const req = this.slots.req[s]!;
    const what = `id ${this.slots.idOfSlot(s)} (payload ${hex(p, 0)}, usable ${u})`;
    if (p % this.t.alignment !== 0) return { message: `${what}: payload ${hex(p, 0)} is not ${this.t.alignment}-byte aligned`, addr: p };
    if (!this.t.heaps.some((x) => p >= x.base && p + Math.max(req, u) <= x.base + x.size)) return { message: `${what}: lies outside every managed heap`, addr: p };
    if (u < req) return { message: `${what}: usable ${u} < requested ${req}`, addr: p };
    return null;
  }

  /** The range at index j against its neighbours: no overlap, their payloads intact. */
  private around(j: number): CheckProblem | null {
    const r = this.ranges;
    if (!this.current(j - 1) || !this.current(j + 1)) return this.rebuild();
    const s = r.slot[j]!;
    const a = r.addr[j]!;
    const req = this.slots.req[s]!;
    if (j > 0) {
      const ps = r.slot[j - 1]!;
      const pend = r.addr[j - 1]! + this.slots.req[ps]!;
      if (req > 0 && pend > a)
        return { message: `payload of id ${this.slots.idOfSlot(s)} at ${hex(a, 0)} overlaps id ${this.slots.idOfSlot(ps)} (ends at ${hex(pend, 0)})`, addr: a };
      const q = this.intact(ps, `next to id ${this.slots.idOfSlot(s)}`);
      if (q) return q;
    }
    if (j + 1 < r.n) {
      const ns = r.slot[j + 1]!;
      if (req > 0 && this.slots.req[ns]! > 0 && a + req > r.addr[j + 1]!)
        return { message: `payload of id ${this.slots.idOfSlot(s)} at ${hex(a, 0)} (${req} bytes) overlaps id ${this.slots.idOfSlot(ns)} at ${hex(r.addr[j + 1]!, 0)}`, addr: a };
      const q = this.intact(ns, `next to id ${this.slots.idOfSlot(s)}`);
      if (q) return q;
    }
    return null;
  }

  /** Whether index j (if any) still names its block's address (a moving allocator may move blocks outside compact()). */
  private current(j: number): boolean {
    const r = this.ranges;
    if (j < 0 || j >= r.n || !this.t.allocator.moving) return true;
    return this.addr(r.slot[j]!) === r.addr[j];
  }

  private intact(s: number, where: string): CheckProblem | null {
    const j = this.mismatch(s, this.slots.req[s]!);
    if (j < 0) return null;
    const e = this.corrupt(s, j, where);
    return { message: e.message, addr: e.addr };
  }

  /** Re-reads every live block's address (after blocks moved), checking each and every adjacent pair. */
  private rebuild(): CheckProblem | null {
    this.stale = false;
    const st = this.slots.state;
    const live: number[] = [];
    const at = new Float64Array(st.length);
    for (let s = 0; s < st.length; s++) {
      if (st[s] !== ID_LIVE) continue;
      const p = this.placed(s);
      if (p) return p;
      at[s] = this.addr(s);
      live.push(s);
    }
    live.sort((x, y) => at[x]! - at[y]!);
    const r = this.ranges;
    r.load(live, at);
    for (let j = 1; j < r.n; j++) {
      const ps = r.slot[j - 1]!;
      const s = r.slot[j]!;
      if (this.slots.req[s]! > 0 && r.addr[j - 1]! + this.slots.req[ps]! > r.addr[j]!)
        return { message: `payload of id ${this.slots.idOfSlot(s)} at ${hex(r.addr[j]!, 0)} overlaps id ${this.slots.idOfSlot(ps)}`, addr: r.addr[j]! };
    }
    return null;
  }

  verifyAll(): CheckProblem | null {
    const st = this.slots.state;
    for (let s = 0; s < st.length; s++) {
      if (st[s] !== ID_LIVE) continue;
      const j = this.mismatch(s, this.slots.req[s]!);
      if (j >= 0) {
        const e = this.corrupt(s, j, 'at verification');
        return { message: e.message, addr: e.addr };
      }
    }
    return null;
  }

  private corrupt(s: number, j: number, when: string): CheckFailure {
    const a = this.addr(s);
    return new CheckFailure(
      `payload of id ${this.slots.idOfSlot(s)} (${this.slots.req[s]} bytes at ${hex(a, 0)}) corrupted at byte ${j} ${when}`,
      a + j,
    );
  }

  /** The structural checks of the whole heap; null when healthy. */
  heap(): CheckProblem | null {
    return heapProblems(this.t.allocator, this.expect, 1)[0] ?? null;
  }
}

/** walk() blocks around `addr`, one line each (±4 blocks), with the engine's id for used ones. */
export function listingAround(t: CheckTarget, addr: number): string[] {
  const lines: { addr: number; text: string }[] = [];
  const sl = t.slots;
  t.allocator.walk((b) => {
    let text = `@${hex(b.addr, 0)} size ${b.size} ${b.state}`;
    if (b.state === 'used') {
      const s = sl.slotOfHandle(b.handle);
      text += ` handle ${hex(b.handle, 0)} payload ${hex(b.payload, 0)} usable ${b.usable}`;
      text += s < 0 ? ' (no live id)' : ` id ${sl.idOfSlot(s)} requested ${sl.req[s]}`;
      if (b.locked) text += ' locked';
    }
    lines.push({ addr: b.addr, text });
  });
  let at = lines.findIndex((l, j) => l.addr <= addr && (j + 1 === lines.length || lines[j + 1]!.addr > addr));
  if (at < 0) at = 0;
  const mark = lines[at];
  return lines.slice(Math.max(0, at - 4), at + 5).map((l) => (l === mark ? `> ${l.text}` : `  ${l.text}`));
}
