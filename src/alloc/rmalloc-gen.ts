/**
 * rmalloc-gen: the generational variant of rmalloc (see rmalloc.ts for the whole design).
 *
 * How it works
 * ------------
 * Same blocks, handles, lock counts and compaction walk as rmalloc. The difference is where a
 * compaction pass starts. The heap's blocks are split at `oldTop`: below it is the old area,
 * above it the young area where the bump pointer hands out new blocks. A MINOR pass walks only
 * the young area. After each minor pass the allocator records `top` as a mark; a mark follows
 * the block it points at when that block slides down. When `promoteAfter` minor passes have
 * completed since a mark was taken, `oldTop` advances to that mark: every block below it has
 * survived `promoteAfter` minor passes and is promoted. Holes in the old area are still reused
 * by allocation (first fit in size classes), they are just not closed by minor passes.
 * A MAJOR pass (the whole heap, as plain rmalloc does; it promotes everything) runs every
 * `majorEvery`-th incremental pass and on the OOM path when the minor pass did not free enough
 * for the request that failed (the allocator remembers the size of the failed request).
 *
 * The hypothesis: long-lived blocks sink to the bottom and stop being moved, so minor passes
 * move fewer bytes and pause less; the cost is old-area holes that stay open until a major
 * pass (more memory). bench/rmalloc.md reports whether that holds on the bundled traces.
 *
 * Per-block overhead, invariants, complexity and costs: as rmalloc (8 bytes per block on a
 * 32-bit device: a 4-byte header and a 4-byte master entry); the young/old boundary and the
 * marks are a few global words.
 *
 * Prior art: generational collectors (Ungar's generation scavenging; Lieberman & Hewitt)
 * promote by survival count; here survival is counted in compaction passes and the "copy" is
 * a slide, since blocks are handles with lock counts rather than traced objects.
 */
import type { AllocatorContext, AllocatorFactory, ParamSpec } from './types';
import { Rmalloc, RMALLOC_PARAMS, RMALLOC_RUN_KNOBS } from './rmalloc';

export const RMALLOC_GEN_PARAMS: readonly ParamSpec[] = [
  ...RMALLOC_PARAMS,
  { name: 'promoteAfter', description: 'minor compaction passes a block survives before it is promoted to the old area', default: 2, space: { kind: 'int', min: 1, max: 4 } },
  { name: 'majorEvery', description: 'every Nth incremental pass is a major (whole-heap) pass', default: 8, space: { kind: 'pow2', min: 2, max: 16 } },
];

export const rmallocGenFactory: AllocatorFactory = {
  name: 'rmalloc-gen',
  summary: 'rmalloc with young/old areas: minor passes compact only the young area, survivors are promoted',
  moving: true,
  multiHeap: false,
  params: RMALLOC_GEN_PARAMS,
  runKnobs: RMALLOC_RUN_KNOBS,
  create: (ctx: AllocatorContext) => new Rmalloc(ctx, 'rmalloc-gen', { generational: true }),
};
