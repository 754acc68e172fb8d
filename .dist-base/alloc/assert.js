"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Assertions = void 0;
/**
 * Step assertions for allocators: invariants checked at the step of an operation where each
 * holds (a block found on a list is free, a merged predecessor ends where the block starts...).
 *
 * They run only when the replay has --check (AllocatorContext.check): a call site reads
 * `if (this.asserts.on && <condition fails>) this.asserts.fail(msg)`, so without --check an
 * assertion costs one boolean test and no simulated cycles (conditions read through the
 * observer port). A failure is kept and reported by the allocator's check(), which the engine
 * runs after every op under --check: the run stops at that op with the step that failed.
 */
class Assertions {
    on;
    who;
    failed = [];
    constructor(who, on) {
        this.who = who;
        this.on = on;
    }
    fail(msg) {
        if (this.failed.length < 20)
            this.failed.push(`${this.who} assertion: ${msg}`);
    }
    /** The failures since the last call (check() reports them once). */
    take() {
        if (this.failed.length === 0)
            return [];
        const f = this.failed;
        this.failed = [];
        return f;
    }
}
exports.Assertions = Assertions;
