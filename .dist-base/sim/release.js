"use strict";
/**
 * The `release` NULL-handling policy's memory of allocation order (design §7, issue 11).
 *
 * A program that gets NULL and frees something to retry usually drops what it can rebuild:
 * caches, old buffers, the oldest entries of a pool. The replay cannot know which objects are
 * caches, so the documented stand-in is age: the program releases its OLDEST live objects (in
 * allocation order; a realloc keeps an object's age), one at a time, retrying after each, until
 * the request succeeds or RELEASE_MAX objects were released. Locked objects and the object being
 * reallocated are never released. A released object is dead to the program: its later ops are
 * skipped and counted, as a dropped object's are.
 *
 * OldestFirst keeps a FIFO of (slot, birth number) pushed at each successful alloc; entries whose
 * slot died or was reborn since are dropped lazily when they reach the front, so finding the
 * oldest live object is amortised O(1) and costs nothing unless the policy is `release`.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.OldestFirst = exports.RELEASE_MAX = void 0;
/** Objects released per failed request before the request fails for good. */
exports.RELEASE_MAX = 16;
class OldestFirst {
    slot = new Int32Array(1024);
    birth = new Float64Array(1024);
    head = 0;
    tail = 0;
    seq = 0;
    /** Birth number of each slot's current life. */
    born;
    constructor(slots) {
        this.born = new Float64Array(slots).fill(-1);
    }
    /** Slot s was just allocated (a new life). */
    allocated(s) {
        if (this.tail === this.slot.length)
            this.grow();
        const b = this.seq++;
        this.born[s] = b;
        this.slot[this.tail] = s;
        this.birth[this.tail] = b;
        this.tail++;
    }
    /**
     * The oldest slot for which `live(s)` holds and `skip` is not s, or -1. Entries of dead or
     * reborn slots are dropped for good; live ones passed over (locked, or `skip`) stay in order.
     */
    oldest(live, usable, skip) {
        // Drop stale entries at the front.
        while (this.head < this.tail) {
            const s = this.slot[this.head];
            if (this.born[s] === this.birth[this.head] && live(s))
                break;
            this.head++;
        }
        for (let k = this.head; k < this.tail; k++) {
            const s = this.slot[k];
            if (this.born[s] !== this.birth[k] || !live(s))
                continue;
            if (s !== skip && usable(s))
                return s;
        }
        return -1;
    }
    /** Slot s was released (its entry becomes stale). */
    released(s) {
        this.born[s] = -1;
    }
    grow() {
        // Compact away the consumed front, then double if still full.
        const n = this.tail - this.head;
        const cap = n * 2 > this.slot.length ? this.slot.length * 2 : this.slot.length;
        const slot = new Int32Array(cap);
        const birth = new Float64Array(cap);
        slot.set(this.slot.subarray(this.head, this.tail));
        birth.set(this.birth.subarray(this.head, this.tail));
        this.slot = slot;
        this.birth = birth;
        this.head = 0;
        this.tail = n;
    }
}
exports.OldestFirst = OldestFirst;
