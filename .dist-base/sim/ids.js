"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ID_FAILED = exports.ID_LIVE = exports.ID_NONE = void 0;
/** Per-id liveness in the engine's state array. */
exports.ID_NONE = 0;
exports.ID_LIVE = 1;
/** The id's last alloc failed: its later ops are skipped until it is allocated again. */
exports.ID_FAILED = 2;
