/**
 * A tiny first-fit allocator for engine and metrics tests, NOT registered: its layout is easy
 * to work out by hand. Blocks are kept in a JS array (fine for a test model); headers are
 * written through the bus so ops cost cycles. Layout rules:
 * - every block has an 8-byte header; need(n) = max(16, roundUp(n, 8) + 8);
 * - alloc takes the first free block (address order) with size >= need, from its front, and
 *   splits off the rest when the rest is >= 16 bytes; each block scanned costs 1 work cycle;
 * - free coalesces with free neighbours immediately;
 * - realloc = alloc new, copy, free old (0 and untouched on failure);
 * - freeBytes = Σ (free block − 8), largest = max (free block − 8), metadata = 8 × used blocks.
 * With `moving: true` it also offers compact() (slides used blocks down, handles stay stable
 * through an indirection table kept JS-side) and idle(cycles), which compacts when given at
 * least 100 cycles.
 */
import { SimError } from '../../src/errors';
import type { Allocator, AllocatorFactory, BlockInfo, CompactResult } from '../../src/alloc';
import type { MemoryBus } from '../../src/bus';

interface Blk { addr: number; size: number; used: boolean; handle: number }

export const need = (n: number): number => Math.max(16, Math.ceil(n / 8) * 8 + 8);

class Tiny implements Allocator {
  readonly name = 'tiny';
  readonly moving: boolean;
  private readonly bus: MemoryBus;
  private blocks: Blk[];
  private readonly base: number;
  private nextHandle = 1;
  /** handle -> payload address (moving mode only). */
  private readonly where = new Map<number, number>();

  constructor(bus: MemoryBus, base: number, size: number, moving: boolean) {
    this.bus = bus;
    this.base = base;
    this.moving = moving;
    this.blocks = [{ addr: base, size, used: false, handle: 0 }];
  }

  private find(h: number): number {
    const addr = this.moving ? this.where.get(h)! - 8 : h - 8;
    return this.blocks.findIndex((b) => b.used && b.addr === addr);
  }

  alloc(n: number): number {
    const nd = need(n);
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i]!;
      this.bus.work(1);
      if (b.used || b.size < nd) continue;
      if (b.size - nd >= 16) {
        this.blocks.splice(i + 1, 0, { addr: b.addr + nd, size: b.size - nd, used: false, handle: 0 });
        b.size = nd;
      }
      b.used = true;
      this.bus.write32(b.addr, b.size | 1);
      if (this.moving) {
        const h = this.nextHandle++;
        this.where.set(h, b.addr + 8);
        b.handle = h;
      } else b.handle = b.addr + 8;
      return b.handle;
    }
    return 0;
  }

  free(h: number): void {
    const i = this.find(h);
    if (i < 0) throw new Error(`tiny: free of unknown handle ${h}`);
    const b = this.blocks[i]!;
    b.used = false;
    b.handle = 0;
    if (this.moving) this.where.delete(h);
    this.bus.write32(b.addr, b.size);
    this.bus.work(3);
    const next = this.blocks[i + 1];
    if (next && !next.used) {
      b.size += next.size;
      this.blocks.splice(i + 1, 1);
    }
    const prev = this.blocks[i - 1];
    if (prev && !prev.used) {
      prev.size += b.size;
      this.blocks.splice(i, 1);
    }
  }

  realloc(h: number, n: number): number {
    const i = this.find(h);
    const old = this.blocks[i]!;
    const oldPayload = old.addr + 8;
    const keep = Math.min(old.size - 8, n);
    const nh = this.alloc(n);
    if (nh === 0) return 0;
    this.bus.copy(this.addressOf(nh), oldPayload, keep);
    this.free(h);
    return nh;
  }

  lock(h: number): number {
    return this.addressOf(h);
  }

  unlock(): void {}

  usableSize(h: number): number {
    return this.blocks[this.find(h)]!.size - 8;
  }

  addressOf(h: number): number {
    return this.moving ? this.where.get(h)! : h;
  }

  freeBytes(): number {
    return this.blocks.reduce((s, b) => s + (b.used ? 0 : b.size - 8), 0);
  }

  largestAllocatable(): number {
    return this.blocks.reduce((m, b) => (b.used ? m : Math.max(m, b.size - 8)), 0);
  }

  metadataBytes(): number {
    return 8 * this.blocks.filter((b) => b.used).length;
  }

  fixedMetadataBytes(): number {
    return 0;
  }

  blockFootprint(n: number): number {
    return need(n);
  }

  walk(visit: (b: BlockInfo) => void): void {
    for (const b of this.blocks)
      visit({
        addr: b.addr, size: b.size, state: b.used ? 'used' : 'free', handle: b.handle,
        payload: b.used ? b.addr + 8 : 0, usable: b.used ? b.size - 8 : 0, locked: false,
      });
  }

  check(): string[] {
    return [];
  }

  compact(): CompactResult {
    let at = this.base;
    let moved = 0;
    const c0 = this.bus.cycles;
    const out: Blk[] = [];
    let freeTotal = 0;
    for (const b of this.blocks) {
      if (!b.used) {
        freeTotal += b.size;
        continue;
      }
      if (b.addr !== at) {
        this.bus.copy(at, b.addr, b.size);
        moved += b.size;
        this.where.set(b.handle, at + 8);
        b.addr = at;
      }
      out.push(b);
      at += b.size;
    }
    if (freeTotal > 0) out.push({ addr: at, size: freeTotal, used: false, handle: 0 });
    this.blocks = out;
    return { bytesMoved: moved, cycles: this.bus.cycles - c0, done: true };
  }
}

export function tinyFactory(moving = false): AllocatorFactory {
  return {
    name: moving ? 'tiny-moving' : 'tiny',
    summary: 'test-only first-fit',
    moving,
    multiHeap: false,
    params: [],
    create(ctx) {
      const h = ctx.heaps[0]!;
      if (h.size < 16) throw new SimError('HEAP_TOO_SMALL', `tiny needs 16 bytes, heap has ${h.size}`);
      const a = new Tiny(ctx.bus, h.base, h.size, moving);
      if (!moving) (a as { compact?: unknown }).compact = undefined;
      // Moving mode compacts in idle time when given at least 100 cycles.
      else (a as { idle?: unknown }).idle = (cycles: number) => (cycles >= 100 ? a.compact() : undefined);
      return a;
    },
  };
}
