"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.StaticsPort = void 0;
exports.placeStatics = placeStatics;
/** Where `bytes` of allocator statics live beside `heap`; `costs` is the bus's costTable. */
function placeStatics(dev, heap, bytes, costs) {
    const heapReg = dev.regions.find((r) => r.name === heap.region);
    const others = dev.regions.filter((r) => r.name !== heap.region && r.size >= bytes);
    others.sort((a, b) => costs(a)[4] - costs(b)[4]);
    const fast = others[0];
    if (fast && costs(fast)[4] <= costs(heapReg)[4])
        return { region: fast.name, base: fast.base, costs: costs(fast) };
    const below = heap.base - bytes;
    const base = below >= heapReg.base ? below & ~15 : heap.base + heap.size;
    return { region: heapReg.name, base, costs: costs(heapReg) };
}
/** Charged reads and writes of an allocator's globals, addressed by byte offset into them. */
class StaticsPort {
    bus;
    costs;
    place;
    last = -1;
    lastDir = 0;
    constructor(bus, place) {
        this.bus = bus;
        this.place = place;
        this.costs = place.costs;
    }
    /** A read of `w` bytes (1, 2 or 4) at byte offset `off` of the statics. */
    read(off, w) {
        this.charge(off, w, 0);
    }
    write(off, w) {
        this.charge(off, w, 1);
    }
    charge(off, w, dir) {
        const seq = off === this.last && dir === this.lastDir ? 1 : 0;
        this.bus.chargeStatics(this.costs[dir * 6 + (w === 1 ? 0 : w === 2 ? 2 : 4) + seq], dir === 1, w);
        this.last = off + w;
        this.lastDir = dir;
    }
}
exports.StaticsPort = StaticsPort;
