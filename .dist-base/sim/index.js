"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_CHECK_EVERY = exports.CheckFailure = exports.heapProblems = exports.planRig = exports.buildRig = exports.traceFacts = exports.DEFAULT_BAND = exports.highWaterExact = exports.bandAbove = exports.robsonBound = exports.minHeap = exports.replay = void 0;
/**
 * The replay engine (design §7): public entry. `replay` runs one trace through one allocator at
 * one heap configuration and returns the `run` result of design §9; `minHeap` searches the
 * smallest heap with zero OOMs. Both are synchronous (pure CPU): run them in worker threads for
 * parallelism.
 */
__exportStar(require("./types"), exports);
var engine_1 = require("./engine");
Object.defineProperty(exports, "replay", { enumerable: true, get: function () { return engine_1.replay; } });
var minheap_1 = require("./minheap");
Object.defineProperty(exports, "minHeap", { enumerable: true, get: function () { return minheap_1.minHeap; } });
Object.defineProperty(exports, "robsonBound", { enumerable: true, get: function () { return minheap_1.robsonBound; } });
Object.defineProperty(exports, "bandAbove", { enumerable: true, get: function () { return minheap_1.bandAbove; } });
Object.defineProperty(exports, "highWaterExact", { enumerable: true, get: function () { return minheap_1.highWaterExact; } });
Object.defineProperty(exports, "DEFAULT_BAND", { enumerable: true, get: function () { return minheap_1.DEFAULT_BAND; } });
var prepass_1 = require("./prepass");
Object.defineProperty(exports, "traceFacts", { enumerable: true, get: function () { return prepass_1.traceFacts; } });
var rig_1 = require("./rig");
Object.defineProperty(exports, "buildRig", { enumerable: true, get: function () { return rig_1.buildRig; } });
Object.defineProperty(exports, "planRig", { enumerable: true, get: function () { return rig_1.planRig; } });
var check_1 = require("./check");
Object.defineProperty(exports, "heapProblems", { enumerable: true, get: function () { return check_1.heapProblems; } });
Object.defineProperty(exports, "CheckFailure", { enumerable: true, get: function () { return check_1.CheckFailure; } });
Object.defineProperty(exports, "DEFAULT_CHECK_EVERY", { enumerable: true, get: function () { return check_1.DEFAULT_CHECK_EVERY; } });
