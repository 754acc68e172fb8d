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
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.defaultCommand = exports.compareCommand = exports.runCompare = exports.MIN_HEAP_TOLERANCE = exports.resolveAllocators = exports.loadTraces = void 0;
exports.studySpec = studySpec;
exports.studyFor = studyFor;
exports.warnStudy = warnStudy;
exports.fileSafe = fileSafe;
exports.writeCharts = writeCharts;
/**
 * `rmalloc-sim compare` and the default command `rmalloc-sim [--device nds]`: every allocator
 * (or the --allocator list) over every trace (default: the bundled firmware-traces/) on one
 * device. For each trace × allocator: one replay at the device heap (OOMs, fragmentation,
 * cycles) and one min-heap search, run as jobs on the worker pool. Prints one table per trace
 * and the ranked recommendation, or the compare JSON / CSV.
 *
 * Exit 0 on success; 1 when an allocator crashed or violated an invariant on some trace (the
 * other results are still reported); 2 for bad input.
 */
const path = __importStar(require("node:path"));
const report_1 = require("../report");
const study_1 = require("../study");
const trace_1 = require("../trace");
const atomic_1 = require("../util/atomic");
const common_1 = require("./common");
const options_1 = require("./options");
const trace_2 = require("./trace");
var study_2 = require("../study");
Object.defineProperty(exports, "loadTraces", { enumerable: true, get: function () { return study_2.loadStudyTraces; } });
Object.defineProperty(exports, "resolveAllocators", { enumerable: true, get: function () { return study_2.resolveAllocators; } });
Object.defineProperty(exports, "MIN_HEAP_TOLERANCE", { enumerable: true, get: function () { return study_2.MIN_HEAP_TOLERANCE; } });
/** The study spec of a simulation command's flags (compare, the default command, report). */
function studySpec(args, extra) {
    const flags = (0, options_1.parseReplayFlags)(args);
    const spec = {
        device: args.device,
        locks: flags.locks,
        params: flags.params,
        seed: flags.seed,
        check: flags.check,
        ...(flags.checkEvery !== undefined ? { checkEvery: flags.checkEvery } : {}),
        cache: flags.cache,
        strict: args.strict === true,
        goal: (0, options_1.parseGoal)(args.goal),
        jobs: (0, options_1.parseJobs)(args.jobs),
        series: extra.series,
        minHeap: extra.minHeap !== false,
    };
    if (flags.oom !== undefined)
        spec.oom = flags.oom;
    const compaction = { ...flags };
    const c = {};
    if (compaction.compactEvery !== undefined)
        c.compactEvery = compaction.compactEvery;
    if (compaction.compactAboveExtFrag !== undefined)
        c.compactAboveExtFrag = compaction.compactAboveExtFrag;
    if (compaction.compactBudget !== undefined)
        c.compactBudget = compaction.compactBudget;
    if (Object.keys(c).length > 0)
        spec.compaction = c;
    if ((0, options_1.list)(args.allocator).length)
        spec.allocators = (0, options_1.list)(args.allocator);
    if ((0, options_1.list)(args.trace).length)
        spec.traces = (0, options_1.list)(args.trace);
    const heap = (0, options_1.parseHeap)(args.heap);
    if (heap !== undefined)
        spec.heapSize = heap;
    const sample = (0, options_1.parseSample)(args.sample);
    if (sample !== undefined)
        spec.sample = sample;
    return spec;
}
/** The study of a compare spec (tune's verification calls it by this name). */
const runCompare = (spec) => (0, study_1.runStudy)(spec);
exports.runCompare = runCompare;
/** Runs the study of a command and prints the skipped-line counts of its traces on stderr. */
async function studyFor(spec) {
    const st = await (0, study_1.runStudy)(spec);
    warnStudy(st);
    return st;
}
/** A study's stderr lines: pointer-size warnings and skipped-line counts of its traces. */
function warnStudy(st) {
    (0, trace_1.warnPointerSizes)(st.traces, st.device);
    for (const s of (0, study_1.skippedLines)(st.traces))
        (0, trace_2.reportSkipped)(s.file, s.skipped);
}
/** A file-name-safe version of a trace or allocator name. */
function fileSafe(s) {
    return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}
/** Renders every chart into `dir` (created if missing); all files written, or none. */
function writeCharts(dir, runs) {
    (0, atomic_1.ensureDir)(dir, '--svg-dir');
    const files = [];
    for (const row of runs)
        for (const r of row) {
            if (!r)
                continue;
            files.push({ file: path.join(dir, `${fileSafe(r.trace.name)}--${fileSafe(r.allocator)}.svg`), data: (0, report_1.renderChart)((0, report_1.chartFromRun)(r)) });
        }
    (0, report_1.writeFilesAtomic)(files);
    return files.map((f) => f.file);
}
function builder(y) {
    return (0, options_1.compareOutputOptions)((0, options_1.jobsOption)((0, options_1.replayOptions)((0, options_1.heapOption)((0, options_1.mixOption)((0, options_1.tracesOption)((0, options_1.allocatorsOption)((0, options_1.deviceOption)(y)))))))).option('min-heap', {
        type: 'boolean',
        default: true,
        describe: 'search each allocator\'s minimum heap per trace (--no-min-heap: device-heap runs only, much faster)',
    });
}
async function compareHandler(args) {
    const format = (0, options_1.parseFormat)(args.format);
    const jsonTarget = (0, options_1.outputTarget)(args.json);
    const csvTarget = (0, options_1.outputTarget)(args.csv);
    const svgDir = args['svg-dir'];
    const spec = studySpec(args, { series: svgDir !== undefined, minHeap: args['min-heap'] !== false });
    spec.mixes = await (0, options_1.loadMixes)(args.mix, spec.seed);
    spec.progress = new options_1.Progress('compare');
    const { report, runs, failures } = await studyFor(spec);
    // Files first (all or nothing each), then stdout.
    if (svgDir !== undefined)
        writeCharts(svgDir, runs);
    if (jsonTarget && jsonTarget !== 'stdout')
        (0, report_1.writeFileAtomic)(jsonTarget.file, (0, report_1.stringify)(report));
    if (csvTarget && csvTarget !== 'stdout')
        (0, report_1.writeFileAtomic)(csvTarget.file, (0, report_1.compareCsv)(report));
    if (format === 'json' || jsonTarget === 'stdout')
        process.stdout.write((0, report_1.stringify)(report));
    else if (format === 'csv' || csvTarget === 'stdout')
        process.stdout.write((0, report_1.compareCsv)(report));
    else
        process.stdout.write((0, report_1.compareTable)(report, { color: process.stdout.isTTY === true }));
    for (const f of failures)
        process.stderr.write(`rmalloc-sim: ${f} (ALLOCATOR_FAILED)\n`);
    return failures.length > 0 ? 1 : 0;
}
exports.compareCommand = {
    command: 'compare',
    describe: 'compare allocators over traces on a device: one table per trace and a ranked recommendation',
    builder: builder,
    handler: (0, common_1.handler)(compareHandler),
};
exports.defaultCommand = {
    command: '$0',
    describe: 'compare every allocator over the bundled traces on --device (default nds), with ranked advice',
    builder: builder,
    handler: (0, common_1.handler)(compareHandler),
};
