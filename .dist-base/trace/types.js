"use strict";
/**
 * Trace operations as the reader hands them to the replay engine: batches of parallel typed
 * arrays, so a reader allocates nothing per op and the engine's hot loop stays monomorphic.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.OP_NAMES = exports.OP_ACCESS = exports.OP_IDLE = exports.OP_UNLOCK = exports.OP_LOCK = exports.OP_REALLOC = exports.OP_FREE = exports.OP_ALLOC = void 0;
exports.OP_ALLOC = 0; // a <id> <size>
exports.OP_FREE = 1; // f <id>
exports.OP_REALLOC = 2; // r <id> <size>
exports.OP_LOCK = 3; // l <id>
exports.OP_UNLOCK = 4; // u <id>
exports.OP_IDLE = 5; // i <cycles>   (id is 0, arg is the idle cycles)
exports.OP_ACCESS = 6; // from thesis memtraces: an access to id; arg 0 load, 1 store, 2 modify
exports.OP_NAMES = ['alloc', 'free', 'realloc', 'lock', 'unlock', 'idle', 'access'];
