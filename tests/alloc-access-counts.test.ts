/**
 * Access for access like the real code (issue 14 item 5): each model's heap reads, heap writes
 * and statics reads/writes per op on a small sequence, pinned. The umm and heap4 figures are
 * derived by hand from umm_malloc.c and heap_5.c below; umm's and tlsf's equal what umm_malloc.c
 * and tlsf.c, compiled to wasm32 -O2 and run through the C-allocator support, count on the same
 * ops, heap_5.c's differ by one heap read per malloc (bench/alloc-cycles.md, model vs real).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHeap } from './helpers/heap';
import type { Params } from '../src/alloc';

type Row = [op: string, heapReads: number, heapWrites: number, staticReads: number, staticWrites: number];

/** a 10, a 20, free the first, free the second: per op [heap r, heap w, statics r, statics w]. */
function counts(name: string, heap: number, params: Params = {}): Row[] {
  const h = makeHeap(name, heap, params);
  const a = h.alloc;
  const out: Row[] = [];
  const step = (op: string, f: () => unknown) => {
    const c0 = h.bus.counters();
    f();
    const c1 = h.bus.counters();
    out.push([op, c1.reads - c0.reads, c1.writes - c0.writes, c1.statics.reads - c0.statics.reads, c1.statics.writes - c0.statics.writes]);
  };
  let x = 0, y = 0;
  step('a 10', () => (x = a.alloc(10)));
  step('a 20', () => (y = a.alloc(20)));
  step('f x', () => a.free(x));
  step('f y', () => a.free(y));
  return out;
}

test('umm (8-byte blocks): umm_malloc.c statement by statement', () => {
  // malloc, one free block, split from the front: NFREE(0); the scan reads NBLOCK and NFREE of
  // the one free block; NBLOCK(cf) again after the scan; umm_split_block reads NBLOCK(c) once
  // more after its first stores; the four free-list relinks read PFREE(cf) twice and NFREE(cf)
  // twice: 9 reads; 4 + 4 = 8 writes. Statics: pheap on entry and after each of the 8 stores
  // (the last for &UMM_DATA(cf)): 9.
  // free x (next used, previous block 0 used): NBLOCK(c), NBLOCK(next), PBLOCK(c), NBLOCK(prev),
  // then the push: NFREE(0), NFREE(0) again after a store, NBLOCK(c): 7 reads, 5 writes.
  // Statics: pheap and heap_size (range check), pheap on entering umm_free_core, and after 4 of
  // the 5 stores: 7.
  // free y (next free: assimilate up; previous x free: assimilate down): NBLOCK(c), NBLOCK(n);
  // disconnect reads PFREE, NFREE, then NFREE, PFREE again, then NBLOCK(n): 5; the two relinks
  // read NBLOCK(c) and NBLOCK(NBLOCK(c)) each: 4; PBLOCK(c), NBLOCK(prev); assimilate_down reads
  // PBLOCK(c), NBLOCK(c), then NBLOCK(c), PBLOCK(c), then PBLOCK(c) for its result: 5 → 18 reads;
  // writes 3 + 2 + 2 = 7. Statics: 3 + one after each of the 7 stores (the last is followed by
  // assimilate_down's read of PBLOCK(c)): 10.
  assert.equal(counts('umm', 4096, { blockBody: 4 }), [
    ['a 10', 9, 8, 9, 0],
    ['a 20', 9, 8, 9, 0],
    ['f x', 7, 5, 7, 0],
    ['f y', 18, 7, 10, 0],
  ]);
});

test('heap4: heap_5.c statement by statement, xStart and the counters as statics', () => {
  // malloc (one free block, split): statics reads xFreeBytesRemaining, xStart.pxNextFreeBlock,
  // pxEnd, pxPreviousBlock->pxNextFreeBlock again (prev = xStart); the insert of the rest walks
  // from xStart (its next and its size), reads pxEnd (the rest ends at the end marker);
  // xFreeBytesRemaining again, xMinimumEverFreeBytesRemaining, the allocation counter: 10.
  // Statics writes: the unlink (xStart.next), the insert (xStart.next), xFreeBytesRemaining, the
  // low-water mark, the counter: 5. Heap: the block's size and next link, its size again before
  // the xFreeBytesRemaining update: 3 reads; the rest's size, the block's size, the rest's next,
  // the allocated bit, next = NULL: 5 writes. (heap_5.c compiled reads the block's next after
  // the size test and the rest's size in the insert: 4 heap reads, one more than the model.)
  assert.equal(counts('heap4', 4096), [
    ['a 10', 3, 5, 10, 5],
    ['a 20', 3, 5, 10, 5],
    // free x: its size and next (the NULL check); size written without the bit, its next set by
    // the insert (heap); xFreeBytesRemaining RMW, the insert's xStart.next and xStart's size,
    // xStart.next = x, the counter RMW (statics): 4 reads, 3 writes.
    ['f x', 2, 2, 4, 3],
    // free y: as x, but the walk stops after x (x's next), merges into x (x's size RMW) and with
    // the free rest after it (its size and next read, x's size and next written).
    ['f y', 6, 4, 4, 2],
  ]);
});

test('tlsf: tlsf.c\'s accesses, and one statics read (the port\'s tlsf_t) per call', () => {
  // malloc (the first: the pool's one block is split): search_suitable_block reads sl_bitmap[0],
  // fl_bitmap, sl_bitmap[fl], the list head; remove_free_block reads next_free, prev_free, the
  // head again (2 link writes, the head, the emptied sl and fl bitmaps: sl from the register,
  // fl read); block_trim_free reads the size (can_split), block_split reads the remainder's and
  // the block's size words before writing them (block_set_size keeps the flags), block_mark_as_free
  // reads the remainder's size again, the next block's size (prev-free bit), the remainder's size
  // (free bit), block_link_next reads the block's size; block_insert reads the head and both
  // bitmaps; block_mark_as_used reads the block's size, the remainder's, the block's: 21 reads,
  // 20 writes. free x (next block used): the size; block_mark_as_free: the next block's size,
  // the size again (after the size_t store); the merge tests from registers; block_insert: head,
  // fl, sl: 7 reads; prev_phys, prev-free bit, free bit, 4 links and the head, 2 bitmaps: 9.
  const rows = counts('tlsf', 8192);
  for (const r of rows) assert.is(r[3], 1, `${r[0]}: the control pointer`);
  assert.equal(rows, [
    ['a 10', 21, 20, 1, 0],
    ['a 20', 21, 20, 1, 0],
    ['f x', 7, 9, 1, 0],
    ['f y', 19, 23, 1, 0],
  ]);
});

test.run();
