"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.planRig = planRig;
exports.buildRig = buildRig;
/**
 * The rig: device → heaps → bus → parameters → allocator, built in one place for the engine,
 * the CLI (which validates a configuration before any work with planRig), benchmarks and tests.
 *
 * Precedence of parameters (design §3): flags (`params`) > the device profile's `allocators`
 * section > the allocator's defaults. A single-heap allocator gets the device's first heap (its
 * size overridable by `heapSize`, past its region only with `whatIf`); a multi-heap allocator
 * gets every heap. The bus maps exactly the heaps the allocator manages.
 */
const bus_1 = require("../bus");
const device_1 = require("../device");
const alloc_1 = require("../alloc");
function planRig(device, allocator, o = {}) {
    const factory = o.factory ?? (0, alloc_1.getFactory)(allocator);
    const resolved = (0, alloc_1.resolveParams)(factory, device.allocators?.[allocator], o.params);
    // Build-time constants follow the device's own heap, not this run's size (AllocatorFactory.pinParams).
    const params = factory.pinParams ? factory.pinParams(resolved, (o.heaps ?? (0, device_1.heapSpans)(device))[0]) : resolved;
    const all = o.heaps ? [...o.heaps] : (0, device_1.heapSpans)(device, o.heapSize, o.whatIf ?? false);
    const heaps = factory.multiHeap ? all : all.slice(0, 1);
    const heapSize = heaps.reduce((s, h) => s + h.size, 0);
    return { device, factory, params, heaps, heapSize };
}
/** Builds the rig; the allocator initialises its heap on the bus (those cycles are bus.cycles). */
function buildRig(device, allocator, o = {}) {
    const p = planRig(device, allocator, o);
    const bus = (0, bus_1.makeBus)(device, p.heaps, { cache: o.cache });
    const a = p.factory.create({ bus, heaps: p.heaps, alignment: device.alignment, params: p.params, check: o.check === true });
    return { ...p, bus, allocator: a };
}
