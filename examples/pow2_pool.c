/*
 * pow2_pool.c: segregated power-of-two pools, a second example of the rmalloc-sim contract
 * (include/rmalloc_sim.h) and the O(1) allocator of the wasm benchmark (bench/wasm.md).
 *
 * How it works
 * ------------
 * A request of n bytes takes a block of 2^k bytes, the smallest power of two >= n + 4 (at
 * least 16): a 4-byte header (the class k, plus USED) and the payload. Each class has a LIFO
 * free list threaded through the free blocks' payloads. malloc pops its class's list, or, when
 * the list is empty, carves a new block from the untouched top of the heap (a bump pointer).
 * free pushes the block on its class's list. Nothing is ever split or coalesced: malloc and
 * free are O(1) (one count-leading-zeros, a handful of loads and stores), at the price of up to
 * 50 % internal slack and blocks that stay in their class for good (a heap full of free 32-byte
 * blocks cannot serve a 64-byte request). Blocks start at addresses = 4 (mod 8) and have sizes
 * that are multiples of 8, so every payload is 8-byte aligned (align up to 8 supported).
 *
 * The free-byte count is kept in a static (what a C allocator would do for mallinfo); the
 * observers are O(classes) or, for the walk, O(blocks).
 */
#include <stddef.h>
#include <stdint.h>
#include "rmalloc_sim.h"

#define HDR 4u
#define USED 0x100u
#define MIN_CLASS 4   /* 16-byte blocks */
#define MAX_CLASS 31

static uint8_t *lo, *first, *bump, *top;
static void *lists[MAX_CLASS + 1];
static size_t free_bytes; /* payload bytes of the listed free blocks */

void rsim_init(void *heap, size_t size) {
  lo = (uint8_t *)heap;
  top = lo + size;
  /* First block at an address = 4 (mod 8): its payload is 8-aligned. */
  first = (uint8_t *)((((uintptr_t)lo + 4 + 7) & ~(uintptr_t)7) - 4);
  if (first < lo) first += 8;
  bump = first;
}

static int class_of(size_t n) {
  size_t need = n + HDR;
  if (need < n) return MAX_CLASS + 1; /* overflow */
  if (need <= (1u << MIN_CLASS)) return MIN_CLASS;
  return 32 - __builtin_clz((uint32_t)(need - 1));
}

void *rsim_malloc(size_t n) {
  int k = class_of(n);
  if (k > MAX_CLASS) return NULL;
  uint8_t *b;
  void *head = lists[k];
  if (head) {
    b = (uint8_t *)head - HDR;
    lists[k] = *(void **)head;
    free_bytes -= ((size_t)1 << k) - HDR;
  } else {
    size_t bytes = (size_t)1 << k;
    if ((size_t)(top - bump) < bytes) return NULL;
    b = bump;
    bump += bytes;
  }
  *(uint32_t *)b = (uint32_t)k | USED;
  return b + HDR;
}

void rsim_free(void *p) {
  if (!p) return;
  uint8_t *b = (uint8_t *)p - HDR;
  int k = (int)(*(uint32_t *)b & 0xff);
  *(uint32_t *)b = (uint32_t)k;
  *(void **)p = lists[k];
  lists[k] = p;
  free_bytes += ((size_t)1 << k) - HDR;
}

size_t rsim_usable_size(void *p) {
  return ((size_t)1 << (*(uint32_t *)((uint8_t *)p - HDR) & 0xff)) - HDR;
}

size_t rsim_block_size(size_t n) {
  int k = class_of(n);
  return k > MAX_CLASS ? 0 : (size_t)1 << k;
}

size_t rsim_free_bytes(void) {
  size_t rest = (size_t)(top - bump);
  return free_bytes + (rest > HDR ? rest - HDR : 0);
}

size_t rsim_largest_free(void) {
  size_t best = 0;
  size_t rest = (size_t)(top - bump);
  for (int k = MIN_CLASS; k <= MAX_CLASS; k++) {
    size_t bytes = (size_t)1 << k;
    if (lists[k] || rest >= bytes) best = bytes - HDR;
  }
  return best;
}

void rsim_walk(void) {
  if (first > lo) rsim_block(lo, (size_t)(first - lo), RSIM_BLOCK_META, NULL);
  for (uint8_t *b = first; b < bump;) {
    uint32_t h = *(uint32_t *)b;
    size_t bytes = (size_t)1 << (h & 0xff);
    rsim_block(b, bytes, (h & USED) ? RSIM_BLOCK_USED : RSIM_BLOCK_FREE, (h & USED) ? b + HDR : NULL);
    b += bytes;
  }
  if (top > bump) rsim_block(bump, (size_t)(top - bump), RSIM_BLOCK_FREE, NULL);
}
