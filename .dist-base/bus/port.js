"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ObserverPort = void 0;
/** The uncounted port: peeks and pokes of the bus's memory, free ALU calls. */
class ObserverPort {
    counted = false;
    m;
    constructor(m) {
        this.m = m;
    }
    read8(a) {
        return this.m.peek8(a);
    }
    read16(a) {
        return this.m.peek16(a);
    }
    read32(a) {
        return this.m.peek32(a);
    }
    readPtr(a) {
        return this.m.peekPtr(a);
    }
    write8(a, v) {
        this.m.poke8(a, v);
    }
    write16(a, v) {
        this.m.poke16(a, v);
    }
    write32(a, v) {
        this.m.poke32(a, v);
    }
    writePtr(a, v) {
        this.m.pokePtr(a, v);
    }
    work(_n) { }
    fls() { }
    ffs() { }
    alu(_kind) { }
}
exports.ObserverPort = ObserverPort;
