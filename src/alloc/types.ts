/**
 * The allocator contract (design §5). Every allocator speaks handles so the replay engine
 * treats all alike. For non-moving allocators the handle IS the payload address and
 * lock/unlock cost nothing; for relocating allocators (rmalloc) the handle names a master
 * pointer and lock returns the block's current address.
 *
 * All allocator state lives in simulated memory behind `ctx.bus`; every access the allocator
 * makes in alloc/free/realloc/lock/unlock/compact is charged there. The observers
 * (usableSize, freeBytes, largestAllocatable, metadataBytes, walk, check) cost no simulated
 * cycles: they read through `bus.peek*` or JS-side scalars that a C allocator would keep in
 * globals.
 */
import type { MemoryBus } from '../bus';
import type { HeapSpan } from '../device';

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface AllocatorContext {
  bus: MemoryBus;
  /** The heaps this allocator manages: one, or several for multi-heap allocators (heap_5). */
  heaps: readonly HeapSpan[];
  /** Every payload address must be a multiple of this (device `alignment`). */
  alignment: number;
  /** Parameters after precedence: flag > device profile > allocator default. */
  params: Params;
  /** The run has --check: allocators evaluate their step assertions (src/alloc/assert.ts). */
  check?: boolean;
}

export type BlockState = 'used' | 'free' | 'meta';

/** One block as `walk()` reports it, in address order. */
export interface BlockInfo {
  /** First byte of the block, including its header. */
  addr: number;
  /** Total bytes of the block, header, padding and payload included. */
  size: number;
  state: BlockState;
  /** For used blocks: the handle the allocator returned; 0 otherwise. */
  handle: number;
  /** For used blocks: payload address (what lock returns); 0 otherwise. */
  payload: number;
  /** For used blocks: usable payload bytes; 0 otherwise. */
  usable: number;
  /** For used blocks of moving allocators: lock count > 0. */
  locked: boolean;
}

export interface CompactResult {
  bytesMoved: number;
  cycles: number;
  /** True when nothing is left to move (false when the budget ran out first). */
  done: boolean;
}

/**
 * Misuse the allocator refuses (free of a locked block, unlock of an unlocked handle, use of a
 * freed handle). The engine catches it, records an error event and goes on.
 */
export class AllocatorUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllocatorUsageError';
  }
}

export interface Allocator {
  readonly name: string;
  /** True when blocks may move (handles are not addresses). */
  readonly moving: boolean;

  /** Returns a handle, or 0 when the request cannot be satisfied (OOM is not an exception). */
  alloc(size: number): number;
  free(h: number): void;
  /** Returns the (possibly new) handle, or 0 on failure with the old block untouched. */
  realloc(h: number, size: number): number;
  /** Pins the block and returns its payload address. */
  lock(h: number): number;
  unlock(h: number): void;
  /** Moves blocks to make free memory contiguous, within a cycle budget if given. */
  compact?(budgetCycles?: number): CompactResult;
  /** Called by the engine during idle time (`i <cycles>` ops); may compact. */
  idle?(cycles: number): CompactResult | undefined;

  // ---- observers: no simulated cycles ----
  usableSize(h: number): number;
  /** Current payload address of a handle without locking it (uncounted). */
  addressOf(h: number): number;
  /** Bytes the allocator could hand out if fragmentation did not exist. */
  freeBytes(): number;
  /** The largest request that would succeed right now, exactly. */
  largestAllocatable(): number;
  /** Headers, control structures, handle tables, bitmaps: bytes that are neither payload nor free. */
  metadataBytes(): number;
  /** Fixed metadata (control structures present with an empty heap): for idealFootprint. */
  fixedMetadataBytes(): number;
  /** Bytes a block for a request of `size` occupies (header, padding, rounding): for idealFootprint. */
  blockFootprint(size: number): number;
  walk(visit: (b: BlockInfo) => void): void;
  /** Internal consistency; an empty list means healthy. */
  check(): string[];
  /**
   * The step assertions that failed since the last call (src/alloc/assert.ts), for allocators
   * that have them: the local invariants an op checks as it runs. The engine's --check asks
   * after every op, check() reports the ones not yet taken.
   */
  stepFailures?(): string[];
}

/**
 * Where `rmalloc-sim tune` may search a parameter (declared beside the parameter, so a new
 * allocator gets tuning by declaring its knobs). A parameter without a space is never tuned.
 * - `choice`: exactly these values (numbers, strings or booleans), in the order tried.
 * - `int`: every integer min..max in steps of `step` (default 1); `pow2`: the powers of two
 *   min..max (both powers of two).
 * - `sizeList`: a comma-separated ascending list of 1..maxCount distinct sizes in min..max bytes
 *   (slab's classes): too many combinations for a grid, so tune searches it locally.
 * Values in the space may still be refused by the allocator on some device (a SimError at
 * creation): tune counts such a setting as infeasible and goes on.
 */
export type ParamSpace =
  | { kind: 'choice'; values: readonly ParamValue[] }
  | { kind: 'int'; min: number; max: number; step?: number }
  | { kind: 'pow2'; min: number; max: number }
  | { kind: 'sizeList'; min: number; max: number; maxCount: number };

export interface ParamSpec {
  name: string;
  description: string;
  default: ParamValue;
  /** Allowed values for string params. */
  choices?: readonly string[];
  /** The values `rmalloc-sim tune` searches (absent: not tuned). */
  space?: ParamSpace;
}

/**
 * A run setting (not an allocator parameter) that tune may search for this allocator, with the
 * command-line flag that sets it: the compaction triggers of moving allocators. `off` = flag
 * absent.
 */
export interface RunKnob {
  flag: 'compact-every' | 'compact-above' | 'compact-budget';
  description: string;
  values: readonly (number | 'off')[];
}

export interface AllocatorFactory {
  name: string;
  /** One line for `rmalloc-sim allocators`. */
  summary: string;
  moving: boolean;
  /** Manages every heap of the device (heap_5 style); otherwise it uses the first heap only. */
  multiHeap: boolean;
  params: readonly ParamSpec[];
  /**
   * Build-time constants the allocator derives from the device's own heap, fixed for every run
   * on the device whatever heap size the run uses (the min-heap search, squeeze and tune probe
   * other sizes): returns `params` with such values resolved. umm: blockBody 0 (auto) becomes
   * the block body chosen for the device heap, as UMM_BLOCK_BODY_SIZE is a compile-time constant
   * of the port. Called by planRig after resolveParams.
   */
  pinParams?(params: Params, deviceHeap: HeapSpan): Params;
  /** Run settings tune may search besides the parameters (compaction triggers of moving allocators). */
  runKnobs?: readonly RunKnob[];
  /** Throws SimError('HEAP_TOO_SMALL') when the heap cannot hold its own metadata. */
  create(ctx: AllocatorContext): Allocator;
}
