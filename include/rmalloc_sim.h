/*
 * rmalloc_sim.h: the contract between your C allocator and rmalloc-sim.
 *
 * rmalloc-sim compiles your allocator to wasm32 (clang + lld + wasi-libc), instruments every
 * load and store, and runs it on the simulated device: every access to the heap is charged on
 * the device's memory bus, accesses to your static data and C stack are charged to the device
 * RAM that holds them, and ALU work is estimated from the wasm instructions executed.
 *
 *   rmalloc-sim run --device nds --allocator ./my_alloc.c --trace T
 *   rmalloc-sim --device nds --allocator ./my_alloc.c --allocator tlsf
 *
 * Pointers are 32-bit, as on the devices. The heap handed to rsim_init is the device heap: the
 * addresses your allocator returns are shown as device addresses in faults and heap maps.
 *
 * Including this header is optional: the four functions below are all rmalloc-sim needs.
 */
#ifndef RMALLOC_SIM_H
#define RMALLOC_SIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- required -------------------------------------------------------------------------- */

/* Called once, before any other call: the allocator owns [heap, heap + size). */
void rsim_init(void *heap, size_t size);
/* Returns a block of at least size bytes aligned to rsim_alignment(), or NULL when it cannot. */
void *rsim_malloc(size_t size);
/* Releases a block rsim_malloc or rsim_realloc returned; rsim_free(NULL) is a no-op. */
void rsim_free(void *ptr);

/* ---- optional (used when defined) -------------------------------------------------------- */

/* Resizes like realloc(3); NULL on failure with the old block untouched.
 * Without it rmalloc-sim does malloc + copy (charged as a memmove) + free. */
void *rsim_realloc(void *ptr, size_t size);
/* The largest request rsim_malloc would satisfy now. Without it rmalloc-sim probes rsim_malloc
 * on a snapshot of your memory (restored after), as often as it walks the built-in heaps. */
size_t rsim_largest_free(void);
/* Bytes you could hand out if fragmentation did not exist (e.g. the sum of the free blocks'
 * payloads). Without it free bytes are the heap size minus the live blocks' usable bytes. */
size_t rsim_free_bytes(void);
/* Usable bytes of a live block (>= the request). Without it the request size is used. */
size_t rsim_usable_size(void *ptr);
/* Bytes a block for a request of size bytes occupies (header, padding, rounding), and the
 * bytes of control data present with an empty heap: for the ideal footprint and the typical-
 * request fragmentation. Without them: the request rounded to the alignment, and 0. */
size_t rsim_block_size(size_t size);
size_t rsim_fixed_overhead(void);
/* Reports every block of the heap in address order through rsim_block() (heap maps, the
 * fragmentation metrics and --check use it). Without it the map is made of the returned blocks
 * and the gaps between them. */
void rsim_walk(void);

/* Observers (rsim_largest_free, rsim_free_bytes, rsim_usable_size, rsim_walk) cost no
 * simulated cycles: they are instrumentation, like the built-in allocators' observers. */

/* ---- provided by rmalloc-sim ------------------------------------------------------------ */

#define RSIM_BLOCK_USED 0 /* a handed-out block, header included (its payload lies inside) */
#define RSIM_BLOCK_FREE 1 /* a free block (its header included) */
#define RSIM_BLOCK_META 2 /* allocator bytes: headers, control data, padding */

/* Called from rsim_walk: one block of size bytes starting at addr (its first byte, header
 * included), in address order; payload is the pointer rsim_malloc returned for a used block
 * (NULL for free and allocator blocks). */
__attribute__((import_module("rsim"), import_name("block")))
void rsim_block(const void *addr, size_t size, int state, const void *payload);

/* The alignment every returned block must have on this device (8 on the nds). */
__attribute__((import_module("rsim"), import_name("alignment")))
size_t rsim_alignment(void);

#ifdef __cplusplus
}
#endif

#endif /* RMALLOC_SIM_H */
