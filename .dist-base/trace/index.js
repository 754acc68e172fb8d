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
exports.warnPointerSizes = exports.pointerSizeWarning = exports.tracePointerBytes = exports.loadMix = exports.mixTraces = exports.AddressMap = exports.IdPool = exports.log2Bucket = exports.StatsAccumulator = exports.traceStats = exports.detectImporter = exports.getImporter = exports.IMPORTERS = exports.ACCESS_LETTERS = exports.NATIVE_LETTERS = exports.formatOp = exports.writeTrace = exports.TraceWriter = exports.BATCH_OPS = exports.narrowOps = exports.OpPacker = exports.OpCollector = exports.traceName = exports.findTraceFiles = exports.traceFromText = exports.loadTrace = exports.openTrace = void 0;
/**
 * The trace layer's public entry (design §6): streaming reader, loader, writer, importers and
 * statistics. Other boxes import from here only.
 *
 * - openTrace(path, { strict?, format? }): a TraceSource whose batches() re-reads the file
 *   (gzip detected by magic bytes) in reused OpBatches of up to 64k ops, constant memory.
 * - loadTrace(path, opts): the whole validated op stream in typed arrays (PackedTrace).
 * - traceFromText(text, name?, opts?): the same, synchronously, from a string (tests).
 * - findTraceFiles(paths): directories expand to their *.trace and *.trace.gz files.
 * - writeTrace(path, header, ops) / TraceWriter: native output, gzip when the path ends .gz.
 * - traceStats(source): the `stats` JSON of design §9.
 * - IMPORTERS / getImporter / detectImporter: the import formats.
 * - tracePointerBytes / warnPointerSizes: the header's `pointer-bytes:` against the device's.
 */
__exportStar(require("./types"), exports);
var reader_1 = require("./reader");
Object.defineProperty(exports, "openTrace", { enumerable: true, get: function () { return reader_1.openTrace; } });
Object.defineProperty(exports, "loadTrace", { enumerable: true, get: function () { return reader_1.loadTrace; } });
Object.defineProperty(exports, "traceFromText", { enumerable: true, get: function () { return reader_1.traceFromText; } });
Object.defineProperty(exports, "findTraceFiles", { enumerable: true, get: function () { return reader_1.findTraceFiles; } });
Object.defineProperty(exports, "traceName", { enumerable: true, get: function () { return reader_1.traceName; } });
Object.defineProperty(exports, "OpCollector", { enumerable: true, get: function () { return reader_1.OpCollector; } });
Object.defineProperty(exports, "OpPacker", { enumerable: true, get: function () { return reader_1.OpPacker; } });
Object.defineProperty(exports, "narrowOps", { enumerable: true, get: function () { return reader_1.narrowOps; } });
Object.defineProperty(exports, "BATCH_OPS", { enumerable: true, get: function () { return reader_1.BATCH_OPS; } });
var writer_1 = require("./writer");
Object.defineProperty(exports, "TraceWriter", { enumerable: true, get: function () { return writer_1.TraceWriter; } });
Object.defineProperty(exports, "writeTrace", { enumerable: true, get: function () { return writer_1.writeTrace; } });
var native_1 = require("./native");
Object.defineProperty(exports, "formatOp", { enumerable: true, get: function () { return native_1.formatOp; } });
Object.defineProperty(exports, "NATIVE_LETTERS", { enumerable: true, get: function () { return native_1.NATIVE_LETTERS; } });
Object.defineProperty(exports, "ACCESS_LETTERS", { enumerable: true, get: function () { return native_1.ACCESS_LETTERS; } });
var importers_1 = require("./importers");
Object.defineProperty(exports, "IMPORTERS", { enumerable: true, get: function () { return importers_1.IMPORTERS; } });
Object.defineProperty(exports, "getImporter", { enumerable: true, get: function () { return importers_1.getImporter; } });
Object.defineProperty(exports, "detectImporter", { enumerable: true, get: function () { return importers_1.detectImporter; } });
var stats_1 = require("./stats");
Object.defineProperty(exports, "traceStats", { enumerable: true, get: function () { return stats_1.traceStats; } });
Object.defineProperty(exports, "StatsAccumulator", { enumerable: true, get: function () { return stats_1.StatsAccumulator; } });
Object.defineProperty(exports, "log2Bucket", { enumerable: true, get: function () { return stats_1.log2Bucket; } });
var import_util_1 = require("./import-util");
Object.defineProperty(exports, "IdPool", { enumerable: true, get: function () { return import_util_1.IdPool; } });
Object.defineProperty(exports, "AddressMap", { enumerable: true, get: function () { return import_util_1.AddressMap; } });
var mix_1 = require("./mix");
Object.defineProperty(exports, "mixTraces", { enumerable: true, get: function () { return mix_1.mixTraces; } });
Object.defineProperty(exports, "loadMix", { enumerable: true, get: function () { return mix_1.loadMix; } });
var pointer_1 = require("./pointer");
Object.defineProperty(exports, "tracePointerBytes", { enumerable: true, get: function () { return pointer_1.tracePointerBytes; } });
Object.defineProperty(exports, "pointerSizeWarning", { enumerable: true, get: function () { return pointer_1.pointerSizeWarning; } });
Object.defineProperty(exports, "warnPointerSizes", { enumerable: true, get: function () { return pointer_1.warnPointerSizes; } });
