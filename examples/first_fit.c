/*
 * first_fit.c: the built-in `first-fit` allocator (src/alloc/freelist.ts + first-fit.ts, default
 * parameters: address-ordered list, front cut, split threshold = the minimum block) written in
 * C against include/rmalloc_sim.h. rmalloc-sim's tests replay bundled traces through both and
 * require the same minimum heap to the byte and the same heap reads and writes on every op.
 *
 * Layout (32-bit pointers, P = 4 bytes; G = max(alignment, 4) is the granule):
 *   [base]          one control word: the free-list head
 *   blocks          back to back from `first` (payloads G-aligned), each starting with a header
 *                   word size | PFREE | USED; free blocks hold next and prev links after the
 *                   header and a footer (their size) in their last word; MIN = 16 bytes
 *   [epi]           the epilogue: a header of size 0 marked USED
 * free() coalesces with both neighbours (PFREE bit + the neighbour's footer) and keeps the list
 * sorted by address; malloc() takes the first block that fits, the request takes its low end.
 *
 * Every heap word is read and written through a volatile pointer, in the order the TypeScript
 * model charges its bus accesses, so the compiler can neither drop nor merge nor reorder one:
 * that is what makes the per-op read/write counts comparable. The allocator's own scalars
 * (heap bounds, granule) are statics, charged apart from the heap.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "rmalloc_sim.h"

#define P 4u
#define USED 1u
#define PFREE 2u
#define FLAGS 3u

typedef uint32_t addr_t;

#define RD(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define WR(a, v) (*(volatile uint32_t *)(uintptr_t)(a) = (uint32_t)(v))

static addr_t base, end, first, epi, head;
static uint32_t G, MIN, thr;
static int broken; /* heap too small: every request fails */

static uint32_t need_for(uint32_t n) {
  uint32_t s = ((n ? n : 1) + P + G - 1) / G * G;
  return s < MIN ? MIN : s;
}

void rsim_init(void *heap, size_t size) {
  uint32_t align = (uint32_t)rsim_alignment();
  G = align > P ? align : P;
  MIN = (4 * P + G - 1) / G * G;
  thr = MIN;
  base = (addr_t)(uintptr_t)heap;
  end = base + (addr_t)size;
  addr_t a = (base + P - 1) / P * P;
  head = a;
  a += P;
  addr_t first_payload = (a + P + G - 1) / G * G;
  first = first_payload - P;
  int32_t room = (int32_t)(end - P - first);
  epi = first + (room > 0 ? (uint32_t)room / G * G : 0);
  uint32_t sz = epi - first;
  if (room < (int32_t)MIN || sz < MIN) {
    broken = 1;
    return;
  }
  WR(head, first);
  WR(first, sz);
  WR(first + P, 0);
  WR(first + 2 * P, 0);
  WR(first + sz - P, sz);
  WR(epi, USED | PFREE);
}

/* ---- list primitives -------------------------------------------------------------------- */

static addr_t unlink_block(addr_t n) {
  addr_t nx = RD(n + P);
  addr_t pv = RD(n + 2 * P);
  if (pv) WR(pv + P, nx);
  else WR(head, nx);
  if (nx) WR(nx + 2 * P, pv);
  return nx;
}

static void replace_block(addr_t old, addr_t n) {
  addr_t nx = RD(old + P);
  addr_t pv = RD(old + 2 * P);
  WR(n + P, nx);
  WR(n + 2 * P, pv);
  if (pv) WR(pv + P, n);
  else WR(head, n);
  if (nx) WR(nx + 2 * P, n);
}

static void insert_sorted(addr_t n) {
  addr_t pv = 0;
  addr_t c = RD(head);
  while (c != 0 && c < n) {
    pv = c;
    c = RD(c + P);
  }
  WR(n + P, c);
  WR(n + 2 * P, pv);
  if (pv) WR(pv + P, n);
  else WR(head, n);
  if (c) WR(c + 2 * P, n);
}

static void release(addr_t b, uint32_t S, int pfree) {
  addr_t nb = b + S;
  uint32_t nh = RD(nb);
  int nfree = (nh & USED) == 0;
  addr_t start = b;
  uint32_t total = S;
  if (pfree) {
    uint32_t ps = RD(b - P);
    start = b - ps;
    total += ps;
    if (nfree) {
      unlink_block(nb);
      total += nh & ~FLAGS;
    } else WR(nb, nh | PFREE);
  } else if (nfree) {
    replace_block(nb, b);
    total += nh & ~FLAGS;
  } else {
    insert_sorted(b);
    WR(nb, nh | PFREE);
  }
  WR(start, total);
  WR(start + total - P, total);
}

/* ---- the contract --------------------------------------------------------------------------- */

void *rsim_malloc(size_t n) {
  if (broken) return NULL;
  uint32_t need = need_for((uint32_t)n);
  addr_t f = RD(head);
  uint32_t S = 0;
  while (f != 0) {
    uint32_t s = RD(f);
    addr_t nx = RD(f + P);
    if (s >= need) {
      S = s;
      break;
    }
    f = nx;
  }
  if (f == 0) return NULL;
  uint32_t r = S - need;
  if (r >= thr) {
    addr_t rem = f + need;
    replace_block(f, rem);
    WR(rem, r);
    WR(rem + r - P, r);
    WR(f, need | USED);
  } else {
    unlink_block(f);
    WR(f, S | USED);
    addr_t nb = f + S;
    WR(nb, RD(nb) & ~PFREE);
  }
  return (void *)(uintptr_t)(f + P);
}

void rsim_free(void *ptr) {
  if (!ptr) return;
  addr_t b = (addr_t)(uintptr_t)ptr - P;
  uint32_t hdr = RD(b);
  release(b, hdr & ~FLAGS, (hdr & PFREE) != 0);
}

void *rsim_realloc(void *ptr, size_t n) {
  if (!ptr) return rsim_malloc(n);
  addr_t h = (addr_t)(uintptr_t)ptr;
  addr_t b = h - P;
  uint32_t hdr = RD(b);
  uint32_t S = hdr & ~FLAGS;
  uint32_t need = need_for((uint32_t)n);
  if (need <= S) {
    uint32_t r = S - need;
    if (r >= thr) {
      WR(b, need | USED | (hdr & PFREE));
      release(b + need, r, 0);
    }
    return ptr;
  }
  addr_t nb = b + S;
  uint32_t nh = RD(nb);
  if ((nh & USED) == 0 && S + (nh & ~FLAGS) >= need) {
    uint32_t ns = nh & ~FLAGS;
    uint32_t T = S + ns;
    uint32_t r = T - need;
    if (r >= thr) {
      addr_t rem = b + need;
      replace_block(nb, rem);
      WR(rem, r);
      WR(rem + r - P, r);
      WR(b, need | USED | (hdr & PFREE));
    } else {
      unlink_block(nb);
      WR(b, T | USED | (hdr & PFREE));
      addr_t after = b + T;
      WR(after, RD(after) & ~PFREE);
    }
    return ptr;
  }
  void *q = rsim_malloc(n);
  if (!q) return NULL;
  uint32_t keep = S - P;
  memcpy(q, ptr, keep < n ? keep : n);
  rsim_free(ptr);
  return q;
}

/* ---- observers (uncharged) -------------------------------------------------------------------- */

size_t rsim_usable_size(void *ptr) {
  return (RD((addr_t)(uintptr_t)ptr - P) & ~FLAGS) - P;
}

size_t rsim_free_bytes(void) {
  size_t sum = 0;
  if (broken) return 0;
  for (addr_t c = RD(head); c != 0; c = RD(c + P)) sum += RD(c) - P;
  return sum;
}

size_t rsim_largest_free(void) {
  uint32_t best = 0;
  if (broken) return 0;
  for (addr_t c = RD(head); c != 0; c = RD(c + P))
    if (RD(c) > best) best = RD(c);
  return best ? best - P : 0;
}

size_t rsim_block_size(size_t n) {
  return need_for((uint32_t)n);
}

size_t rsim_fixed_overhead(void) {
  return first - base + P; /* the control word and padding before the first block, the epilogue */
}

void rsim_walk(void) {
  if (broken) return;
  rsim_block((void *)(uintptr_t)base, first - base, RSIM_BLOCK_META, NULL);
  for (addr_t b = first; b < epi;) {
    uint32_t h = RD(b);
    uint32_t s = h & ~FLAGS;
    if (s == 0 || b + s > epi) break;
    if (h & USED) rsim_block((void *)(uintptr_t)b, s, RSIM_BLOCK_USED, (void *)(uintptr_t)(b + P));
    else rsim_block((void *)(uintptr_t)b, s, RSIM_BLOCK_FREE, NULL);
    b += s;
  }
  rsim_block((void *)(uintptr_t)epi, end - epi, RSIM_BLOCK_META, NULL);
}
