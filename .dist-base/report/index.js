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
exports.buildCompareReport = buildCompareReport;
/**
 * Reports: the public entry of src/report/. Table (stdout), JSON (design §9, schema 1), CSV,
 * SVG charts and the ranked advice. Every report file is written whole or not at all
 * (writeFileAtomic).
 */
__exportStar(require("./advice"), exports);
__exportStar(require("./json"), exports);
__exportStar(require("./table"), exports);
__exportStar(require("./csv"), exports);
__exportStar(require("./svg"), exports);
const advice_1 = require("./advice");
const json_1 = require("./json");
/** Assembles the compare report, ranks the allocators for `goal` and writes the advice. */
function buildCompareReport(device, goal, heap, clockHz, traces, extra = {}) {
    const rep = { schema: json_1.SCHEMA, device, goal, heap, clockHz, traces, ranking: (0, advice_1.rankAllocators)(traces, goal) };
    if (extra.minHeapTolerance !== undefined)
        rep.minHeapTolerance = extra.minHeapTolerance;
    if (extra.settings)
        rep.settings = extra.settings;
    if (extra.locks !== undefined)
        rep.locks = extra.locks;
    rep.advice = (0, advice_1.buildAdvice)(rep, extra.margin);
    return rep;
}
// report modules added by other helpers (keep this comment; add lines below it)
__exportStar(require("./heapmap"), exports);
__exportStar(require("./frames"), exports);
__exportStar(require("./html"), exports);
