/**
 * The simulated memory bus: the box's entry. MemoryBus and its cycle model are in memory.ts
 * (read its header first); CachedBus (cached.ts) puts the device's data cache in front of it,
 * PlacementBus (placement.ts) charges nothing for placement-only replays, and makeBus picks one.
 * The CPU cost table is cpu.ts, the memory port port.ts, the list-walk primitive walk.ts, the
 * data cache model cache.ts, a built-in allocator's statics statics.ts.
 */
export { BusFault, Span, MemoryBus, costTable, type BusFaultKind, type BusCounters } from './memory';
export { CPU_COSTS, cpuCosts, type AluKind, type CpuCosts } from './cpu';
export { ObserverPort, type MemPort } from './port';
export { ListWalk, type WordView } from './walk';
export { DataCache, type CacheCounters, type DataCacheSpec } from './cache';
export { StaticsPort, placeStatics, type StaticsPlace } from './statics';
export { CachedBus, makeBus } from './cached';
export { PlacementBus } from './placement';
