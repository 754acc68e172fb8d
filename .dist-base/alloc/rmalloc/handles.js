"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HandleTable = void 0;
const types_1 = require("../types");
const state_1 = require("./state");
class HandleTable extends state_1.RmallocState {
    entryAddr(idx) {
        return this.tableEnd - this.P * (idx + 1);
    }
    indexOf(h) {
        return (this.tableEnd - h) / this.P - 1;
    }
    entryValue(payload, ext, lock) {
        return ((payload - this.base) / this.U) * 2 ** state_1.E_OFF_SHIFT + lock * 2 ** state_1.E_LOCK_SHIFT + (ext ? state_1.E_EXT : 0);
    }
    payloadOf(e) {
        return this.base + (e >>> state_1.E_OFF_SHIFT) * this.U;
    }
    /** The entry of a live handle, read through m; throws on anything that is not one. */
    validate(h, m = this.bus) {
        if (!(h >= this.tableLow && h < this.tableEnd) || (this.tableEnd - h) % this.P !== 0)
            throw new types_1.AllocatorUsageError(`0x${Number(h).toString(16)} is not a handle of this heap`);
        const e = m.readPtr(h);
        if ((e & state_1.E_FREE) !== 0)
            throw new types_1.AllocatorUsageError(`use of freed handle 0x${h.toString(16)}`);
        return e;
    }
    /** Adds up to `chunk` entries below the table, keeping `reserve` bytes of gap free. */
    growTable(reserve) {
        const P = this.P;
        const avail = this.tableLow - this.top - reserve;
        const k = Math.max(1, Math.min(this.chunk, Math.floor(avail / P)));
        const firstIdx = this.tableCount;
        for (let i = 0; i < k; i++) {
            const idx = firstIdx + i;
            const next = i + 1 < k ? idx + 2 : this.hFree; // (next index + 1), or the old head
            this.bus.writePtr(this.entryAddr(idx), next * 2 + state_1.E_FREE);
        }
        this.hFree = firstIdx + 1;
        this.tableCount += k;
        this.tableLow -= k * P;
        this.freeTotal -= k * P;
        this.bus.work(k);
    }
    /**
     * Rebuilds the free-entry list in index order (so new handles come from the high end) and
     * gives the unused low end of the table back to the gap. Part of a full compaction.
     */
    trimHandles() {
        if (this.usedCount === this.tableCount)
            return;
        const bus = this.bus;
        let highestUsed = -1;
        for (let i = this.tableCount - 1; i >= 0; i--) {
            if ((bus.readPtr(this.entryAddr(i)) & state_1.E_FREE) === 0) {
                highestUsed = i;
                break;
            }
        }
        const newCount = highestUsed + 1;
        let head = 0;
        for (let i = newCount - 1; i >= 0; i--) {
            const a = this.entryAddr(i);
            if ((bus.readPtr(a) & state_1.E_FREE) !== 0) {
                bus.writePtr(a, head * 2 + state_1.E_FREE);
                head = i + 1;
            }
        }
        this.hFree = head;
        const released = (this.tableCount - newCount) * this.P;
        this.tableCount = newCount;
        this.tableLow += released;
        this.freeTotal += released;
    }
}
exports.HandleTable = HandleTable;
