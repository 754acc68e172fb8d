"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AllocatorUsageError = void 0;
/**
 * Misuse the allocator refuses (free of a locked block, unlock of an unlocked handle, use of a
 * freed handle). The engine catches it, records an error event and goes on.
 */
class AllocatorUsageError extends Error {
    constructor(message) {
        super(message);
        this.name = 'AllocatorUsageError';
    }
}
exports.AllocatorUsageError = AllocatorUsageError;
