"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Prng = void 0;
/**
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32 so any integer seed gives a
 * well-mixed state. Deterministic across platforms: all arithmetic is 32-bit via Math.imul.
 */
class Prng {
    a;
    b;
    c;
    d;
    constructor(seed) {
        let s = seed >>> 0;
        const next = () => {
            s = (s + 0x9e3779b9) >>> 0;
            let z = s;
            z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
            z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
            return (z ^ (z >>> 16)) >>> 0;
        };
        this.a = next();
        this.b = next();
        this.c = next();
        this.d = next();
    }
    /** Next 32-bit unsigned integer. */
    nextU32() {
        const r = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
        const t = (this.b << 9) >>> 0;
        this.c ^= this.a;
        this.d ^= this.b;
        this.b ^= this.c;
        this.a ^= this.d;
        this.c ^= t;
        this.d = rotl(this.d >>> 0, 11);
        this.a >>>= 0;
        this.b >>>= 0;
        this.c >>>= 0;
        return r;
    }
    /** Uniform float in [0, 1). */
    next() {
        return this.nextU32() / 4294967296;
    }
    /** Uniform integer in [lo, hi] inclusive. */
    int(lo, hi) {
        return lo + Math.floor(this.next() * (hi - lo + 1));
    }
}
exports.Prng = Prng;
function rotl(x, k) {
    return ((x << k) | (x >>> (32 - k))) >>> 0;
}
