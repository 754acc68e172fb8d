/**
 * The rig: device → heaps → bus → parameters → allocator, built in one place for the engine,
 * the CLI (which validates a configuration before any work with planRig), benchmarks and tests.
 *
 * Precedence of parameters (design §3): flags (`params`) > the device profile's `allocators`
 * section > the allocator's defaults. A single-heap allocator gets the device's first heap (its
 * size overridable by `heapSize`, past its region only with `whatIf`); a multi-heap allocator
 * gets every heap. The bus maps exactly the heaps the allocator manages.
 */
import { makeBus, type MemoryBus } from '../bus';
import { heapSpans } from '../device';
import type { DeviceProfile, HeapSpan } from '../device';
import { getFactory, resolveParams } from '../alloc';
import type { Allocator, AllocatorFactory, Params } from '../alloc';

export interface RigOptions {
  /** An allocator outside the registry; the name is then only used for the device's overrides. */
  factory?: AllocatorFactory;
  /** Parameters from flags (highest precedence). */
  params?: Params;
  /** Size of the device's first heap in bytes. */
  heapSize?: number;
  /** Let the first heap grow past its region (a what-if; the min-heap search uses it). */
  whatIf?: boolean;
  /** Heaps given explicitly instead of the device's (tests of multi-region layouts). */
  heaps?: readonly HeapSpan[];
  /** The run has --check: the allocator evaluates its step assertions (AllocatorContext.check). */
  check?: boolean;
  /** false: no data cache even where the device has one (--no-cache, the uncached worst case). */
  cache?: boolean;
  /** false: charge nothing (a placement-only run: bus/placement.ts). */
  costs?: boolean;
}

/** What a rig will be, without building it: throws the same SimErrors buildRig would. */
export interface RigPlan {
  device: DeviceProfile;
  factory: AllocatorFactory;
  params: Params;
  /** The heaps the allocator manages (all for multi-heap allocators, else the first). */
  heaps: HeapSpan[];
  /** Σ sizes of those heaps. */
  heapSize: number;
}

export interface Rig extends RigPlan {
  bus: MemoryBus;
  allocator: Allocator;
}

export function planRig(device: DeviceProfile, allocator: string, o: RigOptions = {}): RigPlan {
  const factory = o.factory ?? getFactory(allocator);
  const resolved = resolveParams(factory, device.allocators?.[allocator], o.params);
  // Build-time constants follow the device's own heap, not this run's size (AllocatorFactory.pinParams).
  const params = factory.pinParams ? factory.pinParams(resolved, (o.heaps ?? heapSpans(device))[0]!) : resolved;
  const all = o.heaps ? [...o.heaps] : heapSpans(device, o.heapSize, o.whatIf ?? false);
  const heaps = factory.multiHeap ? all : all.slice(0, 1);
  const heapSize = heaps.reduce((s, h) => s + h.size, 0);
  return { device, factory, params, heaps, heapSize };
}

/** Builds the rig; the allocator initialises its heap on the bus (those cycles are bus.cycles). */
export function buildRig(device: DeviceProfile, allocator: string, o: RigOptions = {}): Rig {
  const p = planRig(device, allocator, o);
  const bus = makeBus(device, p.heaps, { cache: o.cache, costs: o.costs });
  const a = p.factory.create({ bus, heaps: p.heaps, alignment: device.alignment, params: p.params, check: o.check === true });
  return { ...p, bus, allocator: a };
}
