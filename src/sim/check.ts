/**
 * `--check` (design §7): integrity checking for a replay.
 *
 * After every op: the allocator's own check(); an independent cross-check of walk() (blocks
 * in address order without overlap, inside a managed heap, used payloads aligned to the
 * device alignment and inside their block for non-moving allocators, every used block held by
 * exactly one live id with usable >= requested, every live id present); and payload contents:
 * at alloc/realloc the engine writes an id-derived pattern into the payload through the bus's
 * uncounted application port and verifies it whenever the block is freed, reallocated, locked
 * or moved (after a compaction every live block), and once more at the end of the run.
 */
import type { Replayer } from './engine';
import { ID_LIVE } from './ids';

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

/** Pattern byte j of an allocation with seed sd. */
export function patternByte(sd: number, j: number): number {
  return (Math.imul(sd, 0x9e3779b1) + j * 7 + (j >>> 8)) & 0xff;
}

export class Checker {
  private readonly r: Replayer;
  private readonly seeds: Uint32Array;
  private nextSeed = 1;

  constructor(r: Replayer) {
    this.r = r;
    this.seeds = new Uint32Array(r.state.length);
  }

  private addr(s: number): number {
    return this.r.allocator.addressOf(this.r.handle[s]!);
  }

  /** Writes a fresh pattern into slot s's payload (after alloc). */
  fill(s: number): void {
    this.seeds[s] = this.nextSeed++;
    this.write(s, 0);
  }

  private write(s: number, from: number): void {
    const n = this.r.req[s]!;
    if (n <= 0) return;
    const b = this.r.bus.appBytes(this.addr(s), n);
    const sd = this.seeds[s]!;
    for (let j = from; j < n; j++) b[j] = patternByte(sd, j);
  }

  private mismatch(s: number, n: number): number {
    if (n <= 0) return -1;
    const b = this.r.bus.appBytes(this.addr(s), n);
    const sd = this.seeds[s]!;
    for (let j = 0; j < n; j++) if (b[j] !== patternByte(sd, j)) return j;
    return -1;
  }

  /** Verifies slot s's payload before `why` (free, realloc, lock); throws CheckFailure. */
  verify(i: number, s: number, why: string): void {
    const j = this.mismatch(s, this.r.req[s]!);
    if (j >= 0) throw this.corrupt(i, s, j, `before ${why}`);
  }

  /** After a successful realloc from `old` bytes: the kept prefix must survive; refill the rest. */
  afterRealloc(i: number, s: number, old: number): void {
    const keep = Math.min(old, this.r.req[s]!);
    const j = this.mismatch(s, keep);
    if (j >= 0) throw this.corrupt(i, s, j, `after realloc from ${old} bytes`);
    this.write(s, keep);
  }

  /** After a compaction: every live payload must be intact at its (new) address. */
  afterMove(i: number): void {
    const p = this.verifyAll();
    if (p) throw new CheckFailure(`${p.message} (after compaction at op ${i})`, p.addr);
  }

  verifyAll(): CheckProblem | null {
    const st = this.r.state;
    for (let s = 0; s < st.length; s++) {
      if (st[s] !== ID_LIVE) continue;
      const j = this.mismatch(s, this.r.req[s]!);
      if (j >= 0) {
        const e = this.corrupt(-1, s, j, 'at verification');
        return { message: e.message, addr: e.addr };
      }
    }
    return null;
  }

  private corrupt(i: number, s: number, j: number, when: string): CheckFailure {
    void i;
    const a = this.addr(s);
    return new CheckFailure(
      `payload of id ${this.r.idOfSlot(s)} (${this.r.req[s]} bytes at 0x${a.toString(16)}) corrupted at byte ${j} ${when}`,
      a + j,
    );
  }

  /** The structural checks after an op; null when healthy. */
  afterOp(i: number): CheckProblem | null {
    void i;
    const r = this.r;
    const a = r.allocator;
    const own = a.check();
    if (own.length) return { message: `allocator check(): ${own.join('; ')}`, addr: 0 };
    const bySlot = new Map<number, number>();
    for (let s = 0; s < r.state.length; s++) if (r.state[s] === ID_LIVE) bySlot.set(r.handle[s]!, s);
    const seen = new Set<number>();
    let problem: CheckProblem | null = null;
    let prevEnd = -1;
    const heaps = r.heaps;
    const align = r.alignment;
    a.walk((b) => {
      if (problem) return;
      const where = `block @0x${b.addr.toString(16)} (size ${b.size}, ${b.state})`;
      const bad = (m: string): void => {
        problem = { message: `${where}: ${m}`, addr: b.addr };
      };
      if (!(b.size > 0)) return bad('non-positive size');
      if (b.addr < prevEnd) return bad(`overlaps the previous block or is out of address order (previous ends at 0x${prevEnd.toString(16)})`);
      prevEnd = b.addr + b.size;
      if (!heaps.some((h) => b.addr >= h.base && b.addr + b.size <= h.base + h.size)) return bad('lies outside every managed heap');
      if (b.state !== 'used') return;
      if (b.payload % align !== 0) return bad(`payload 0x${b.payload.toString(16)} is not ${align}-byte aligned`);
      if (!a.moving && (b.payload < b.addr || b.payload + b.usable > b.addr + b.size)) return bad('payload lies outside its block');
      const s = bySlot.get(b.handle);
      if (s === undefined) return bad(`handle 0x${b.handle.toString(16)} belongs to no live id`);
      if (seen.has(b.handle)) return bad(`handle 0x${b.handle.toString(16)} listed twice`);
      seen.add(b.handle);
      if (b.usable < r.req[s]!) return bad(`usable ${b.usable} < requested ${r.req[s]} (id ${r.idOfSlot(s)})`);
    });
    if (problem) return problem;
    if (seen.size !== bySlot.size) {
      for (const [h, s] of bySlot)
        if (!seen.has(h)) return { message: `live id ${r.idOfSlot(s)} (handle 0x${h.toString(16)}) is missing from walk()`, addr: a.addressOf(h) };
    }
    return null;
  }
}

/** walk() blocks around `addr`, one line each (±4 blocks), with the engine's id for used ones. */
export function listingAround(r: Replayer, addr: number): string[] {
  const lines: { addr: number; text: string }[] = [];
  const idOf = new Map<number, number>();
  for (let s = 0; s < r.state.length; s++) if (r.state[s] === ID_LIVE) idOf.set(r.handle[s]!, s);
  r.allocator.walk((b) => {
    let t = `@0x${b.addr.toString(16)} size ${b.size} ${b.state}`;
    if (b.state === 'used') {
      const s = idOf.get(b.handle);
      t += ` handle 0x${b.handle.toString(16)} payload 0x${b.payload.toString(16)} usable ${b.usable}`;
      t += s === undefined ? ' (no live id)' : ` id ${r.idOfSlot(s)} requested ${r.req[s]}`;
      if (b.locked) t += ' locked';
    }
    lines.push({ addr: b.addr, text: t });
  });
  let at = lines.findIndex((l, j) => l.addr <= addr && (j + 1 === lines.length || lines[j + 1]!.addr > addr));
  if (at < 0) at = 0;
  const mark = lines[at];
  return lines.slice(Math.max(0, at - 4), at + 5).map((l) => (l === mark ? `> ${l.text}` : `  ${l.text}`));
}
