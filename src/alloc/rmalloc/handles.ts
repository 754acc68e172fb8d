/**
 * rmalloc, part 2 of 5: the handle table (see index.ts for the whole design).
 *
 * Master-pointer entries grow down from the end of the heap in chunks (MoreMasters); a handle
 * is an entry's address and never changes. A used entry holds the payload offset in units of U,
 * the lock count and the ext bit; a free entry links to the next free one (index + 1, 0 ends
 * the list). Entries are read through a MemPort, so validate() serves the counted operations
 * and the observers alike.
 */
import type { MemPort } from '../../bus';
import { AllocatorUsageError } from '../types';
import { E_EXT, E_FREE, E_LOCK_SHIFT, E_OFF_SHIFT, RmallocState } from './state';

export class HandleTable extends RmallocState {
  protected entryAddr(idx: number): number {
    return this.tableEnd - this.P * (idx + 1);
  }

  protected indexOf(h: number): number {
    return (this.tableEnd - h) / this.P - 1;
  }

  protected entryValue(payload: number, ext: boolean, lock: number): number {
    return ((payload - this.base) / this.U) * 2 ** E_OFF_SHIFT + lock * 2 ** E_LOCK_SHIFT + (ext ? E_EXT : 0);
  }

  protected payloadOf(e: number): number {
    return this.base + (e >>> E_OFF_SHIFT) * this.U;
  }

  /** The entry of a live handle, read through m; throws on anything that is not one. */
  protected validate(h: number, m: MemPort = this.bus): number {
    if (!(h >= this.tableLow && h < this.tableEnd) || (this.tableEnd - h) % this.P !== 0)
      throw new AllocatorUsageError(`0x${Number(h).toString(16)} is not a handle of this heap`);
    const e = m.readPtr(h);
    if ((e & E_FREE) !== 0) throw new AllocatorUsageError(`use of freed handle 0x${h.toString(16)}`);
    return e;
  }

  /** Adds up to `chunk` entries below the table, keeping `reserve` bytes of gap free. */
  protected growTable(reserve: number): void {
    const P = this.P;
    const avail = this.tableLow - this.top - reserve;
    const k = Math.max(1, Math.min(this.chunk, Math.floor(avail / P)));
    const firstIdx = this.tableCount;
    for (let i = 0; i < k; i++) {
      const idx = firstIdx + i;
      const next = i + 1 < k ? idx + 2 : this.hFree; // (next index + 1), or the old head
      this.bus.writePtr(this.entryAddr(idx), next * 2 + E_FREE);
    }
    this.hFree = firstIdx + 1;
    this.tableCount += k;
    this.tableLow -= k * P;
    this.freeTotal -= k * P;
    this.bus.work(k); // each entry's link (next index + 1) * 2 + E_FREE: one add per entry (the loop's compare and branch are not charged)
  }

  /**
   * Rebuilds the free-entry list in index order (so new handles come from the high end) and
   * gives the unused low end of the table back to the gap. Part of a full compaction.
   */
  protected trimHandles(): void {
    if (this.usedCount === this.tableCount) return;
    const bus = this.bus;
    let highestUsed = -1;
    for (let i = this.tableCount - 1; i >= 0; i--) {
      if ((bus.readPtr(this.entryAddr(i)) & E_FREE) === 0) { highestUsed = i; break; }
    }
    const newCount = highestUsed + 1;
    let head = 0;
    for (let i = newCount - 1; i >= 0; i--) {
      const a = this.entryAddr(i);
      if ((bus.readPtr(a) & E_FREE) !== 0) {
        bus.writePtr(a, head * 2 + E_FREE);
        head = i + 1;
      }
    }
    this.hFree = head;
    const released = (this.tableCount - newCount) * this.P;
    this.tableCount = newCount;
    this.tableLow += released;
    this.freeTotal += released;
  }
}
