/**
 * FreeIndex: a simulator speed-up for the address-ordered free lists (first-, next- and
 * best-fit in ./freelist.ts), not part of the model.
 *
 * The model walks its free list node by node, and every step is charged on the bus. On a
 * fragmented heap those walks are hundreds of steps per call, and the simulator spent most of
 * its time following them. When the list is in address order, which node a walk stops at and
 * how many steps it takes follow from the set of free blocks alone: "the first block at or
 * after address a that is at least n bytes", "how many free blocks lie below a". This index
 * answers both in O(log heap) from a segment tree over the heap's granules (a free block's size
 * at the granule where it starts, the largest size per subtree; a Fenwick tree of counts). The allocator
 * then charges the same steps through its ListWalk (the first step visited as before, the rest
 * added with ListWalk.skip), so every cycle and counter is exactly what the walk charged.
 *
 * It is simulator state, like the observers' memos: it costs no simulated cycles or bytes, the
 * allocator's decisions still come from its own list (the index only says where the walk ends),
 * and check() compares it with the list. Off under --check, so a corrupt list still faults on
 * the bus where the walk would have.
 */
export class FreeIndex {
  /** Address of granule 0 and the granule size. */
  readonly first: number;
  readonly G: number;
  /** Leaves (a power of two). */
  private readonly M: number;
  /** Largest free size in each subtree (0: none); heap-ordered, root at 1, leaves at M + pos. */
  private readonly mx: Int32Array;
  /** Free blocks per position, as a Fenwick tree (1-based): prefix counts in O(log heap). */
  private readonly fen: Int32Array;
  private total = 0;

  /** Heaps with more granules than this walk their lists as before (the tree would be too big). */
  static readonly MAX_GRANULES = 1 << 22;

  /** `buffer(bytes)`: where the index's arrays live (default: fresh buffers; the allocators pass bus.scratchBuffer). */
  constructor(first: number, end: number, G: number, buffer: (bytes: number) => ArrayBuffer = (n) => new ArrayBuffer(n)) {
    this.first = first;
    this.G = G;
    const n = Math.max(1, Math.ceil((end - first) / G));
    let M = 1;
    while (M < n) M *= 2;
    this.M = M;
    this.mx = new Int32Array(buffer(8 * M));
    this.fen = new Int32Array(buffer(4 * (M + 1)));
  }

  /** The largest free block's size (0: none). */
  largest(): number {
    return this.mx[1]!;
  }

  /** Free blocks in the index. */
  get count(): number {
    return this.total;
  }

  pos(addr: number): number {
    return (addr - this.first) / this.G;
  }

  addr(pos: number): number {
    return this.first + pos * this.G;
  }

  /** The size of the free block starting at addr (0: none). */
  sizeAt(addr: number): number {
    return this.mx[this.M + this.pos(addr)]!;
  }

  /** The free block at addr now has `size` bytes (0: it is no longer free). */
  set(addr: number, size: number): void {
    const mx = this.mx;
    const p = this.pos(addr);
    let i = this.M + p;
    const d = (size > 0 ? 1 : 0) - (mx[i]! > 0 ? 1 : 0);
    mx[i] = size;
    if (d !== 0) {
      this.total += d;
      const fen = this.fen;
      for (let k = p + 1; k <= this.M; k += k & -k) fen[k]! += d;
    }
    // The largest size upwards, as far as it changes.
    for (i >>= 1; i > 0; i >>= 1) {
      const a = mx[2 * i]!, b = mx[2 * i + 1]!;
      const m = a > b ? a : b;
      if (mx[i] === m) break;
      mx[i] = m;
    }
  }

  /** Free blocks starting below position p. */
  countBelow(p: number): number {
    const fen = this.fen;
    let s = 0;
    for (let k = Math.min(p, this.M); k > 0; k -= k & -k) s += fen[k]!;
    return s;
  }

  /** The lowest position >= p holding a free block of at least `need` bytes, or -1. */
  firstFit(p: number, need: number): number {
    const mx = this.mx, M = this.M;
    if (p >= M) return -1;
    let i = M + p;
    if (mx[i]! < need) {
      for (;;) {
        if (i === 1) return -1;
        if ((i & 1) === 0 && mx[i + 1]! >= need) {
          i++;
          break;
        }
        i >>= 1;
      }
      while (i < M) i = mx[2 * i]! >= need ? 2 * i : 2 * i + 1;
    }
    return i - M;
  }

  /** The highest position < p holding a free block, or -1. */
  lastBelow(p: number): number {
    const mx = this.mx, M = this.M;
    if (p > M) p = M;
    if (p <= 0) return -1;
    let i = M + p - 1;
    if (mx[i]! === 0) {
      for (;;) {
        if (i === 1) return -1;
        if ((i & 1) === 1 && mx[i - 1]! > 0) {
          i--;
          break;
        }
        i >>= 1;
      }
      while (i < M) i = mx[2 * i + 1]! > 0 ? 2 * i + 1 : 2 * i;
    }
    return i - M;
  }
}
