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
 */
import type { Allocator } from '../alloc';
import type { MemoryBus } from '../bus';
import type { HeapSpan } from '../device';
import { hex } from '../util/units';
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

export class Checker {
  private readonly t: CheckTarget;
  private readonly slots: Slots;
  private readonly seeds: Uint32Array;
  private nextSeed = 1;
  private readonly expect: HeapExpectation;

  constructor(t: CheckTarget) {
    this.t = t;
    this.slots = t.slots;
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
  }

  /** After a compaction: every live payload must be intact at its (new) address. */
  afterMove(i: number): void {
    const p = this.verifyAll();
    if (p) throw new CheckFailure(`${p.message} (after compaction at op ${i})`, p.addr);
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
