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
exports.reportCommand = exports.DEFAULT_FRAME_BUDGET = void 0;
exports.buildHtmlReport = buildHtmlReport;
/**
 * `rmalloc-sim report --device D [--trace F|DIR ...] [--allocator A ...] -o report.html`: one
 * self-contained HTML file (src/report/html.ts) with, per trace, the comparison table, charts,
 * OOM events and a heap-map scrubber with before/after views of compactions.
 *
 * The comparison is the study's (src/study), exactly what `compare` and the default command
 * compute for the same flags: every allocator runs its natural OOM policy (moving ones compact)
 * unless --oom says otherwise for all. Frames come from one more replay per trace × allocator in
 * this thread, sampled every k ops where k is chosen so that all frames together stay within
 * --frame-budget (default 2 MiB of gzip-compressed frames in the whole file, split evenly; 2.7 MiB once base64-encoded).
 * The file is written whole or not at all.
 */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const device_1 = require("../device");
const errors_1 = require("../errors");
const log_1 = require("../log");
const report_1 = require("../report");
const frames_1 = require("../report/frames");
const html_1 = require("../report/html");
const sim_1 = require("../sim");
const common_1 = require("./common");
const compare_1 = require("./compare");
const heapmap_1 = require("./heapmap");
const options_1 = require("./options");
/** Default bytes of encoded heap-map frames in one report. */
exports.DEFAULT_FRAME_BUDGET = 2 * 1024 * 1024;
/** Builds the report page (no file written). */
async function buildHtmlReport(o) {
    // The comparison is the study's, exactly as compare and the default command run it.
    const { frameBudget, maxFrames, command, ...rest } = o;
    void frameBudget;
    void maxFrames;
    void command;
    const st = await (0, compare_1.studyFor)({ ...rest, series: true });
    const { report, device: dev, allocators: allocs } = st;
    for (const f of st.failures)
        process.stderr.write(`rmalloc-sim: ${f} (ALLOCATOR_FAILED)\n`);
    const policies = {};
    for (const a of allocs)
        policies[a.name] = a.oom;
    // Heap-map frames: one more replay per trace × allocator, in this thread.
    const combos = Math.max(1, st.traces.length * allocs.length);
    const budget = { bytes: Math.floor(o.frameBudget / combos), maxFrames: o.maxFrames, maxCompactions: 40 };
    const htmlTraces = [];
    st.traces.forEach((tr, ti) => {
        const frames = [];
        const runs = st.runs[ti];
        allocs.forEach((a, ai) => {
            if (!runs[ai] || tr.ops.n === 0)
                return;
            const cfg = {
                device: dev, allocator: a.name, params: a.params, oom: a.oom, locks: o.locks, seed: o.seed, series: false, lean: true,
            };
            if (o.heapSize !== undefined)
                cfg.heapSize = o.heapSize;
            frames.push((0, frames_1.collectFrames)(tr, budget, (obs) => void (0, sim_1.replay)(tr, cfg, obs), a.name));
            log_1.log.debug({ trace: tr.info.name, allocator: a.name }, 'frames collected');
        });
        htmlTraces.push({ index: ti, runs, frames });
    });
    const spans = (0, device_1.heapSpans)(dev, o.heapSize, false);
    const heaps = [...spans].sort((a, b) => a.base - b.base).map((h) => ({ name: h.name, base: h.base, size: h.size }));
    return (0, html_1.renderHtmlReport)({ report, regions: (0, heapmap_1.deviceRegions)(dev), heaps, policies, traces: htmlTraces, ...(o.command ? { command: o.command } : {}) });
}
function parseBudget(v) {
    if (v === undefined)
        return exports.DEFAULT_FRAME_BUDGET;
    const m = /^(\d+(?:\.\d+)?)\s*(MiB|M|KiB|K)?$/i.exec(v.trim());
    if (!m)
        throw new errors_1.SimError('USAGE', `--frame-budget: "${v}" is not a size like 12MiB or 512KiB`);
    const unit = (m[2] ?? 'MiB').toLowerCase().startsWith('k') ? 1024 : 1024 * 1024;
    return Math.floor(Number(m[1]) * unit);
}
async function reportHandler(args) {
    if (!args.output)
        throw new errors_1.SimError('USAGE', 'report needs -o FILE.html');
    // fail before the (long) work when the file cannot be written
    const outDir = path.dirname(path.resolve(args.output));
    if (!fs.existsSync(outDir))
        throw new errors_1.SimError('IO', `cannot write ${args.output}: folder ${outDir} does not exist`);
    const maxFrames = args['max-frames'] ?? 120;
    if (!Number.isInteger(maxFrames) || maxFrames < 2)
        throw new errors_1.SimError('USAGE', `--max-frames: "${String(maxFrames)}" is not an integer >= 2`);
    const { series, device, traces, ...spec } = (0, compare_1.studySpec)(args, { series: true });
    void series;
    void device;
    void traces;
    const o = {
        ...spec,
        device: args.device,
        frameBudget: parseBudget(args['frame-budget']),
        maxFrames,
        progress: new options_1.Progress('report'),
        command: ['rmalloc-sim', 'report', ...process.argv.slice(3)].join(' '),
    };
    if ((0, options_1.list)(args.trace).length)
        o.traces = (0, options_1.list)(args.trace);
    o.mixes = await (0, options_1.loadMixes)(args.mix, spec.seed);
    const html = await buildHtmlReport(o);
    (0, report_1.writeFileAtomic)(args.output, html);
    process.stdout.write(`${args.output}: ${(Buffer.byteLength(html) / 1048576).toFixed(2)} MiB\n`);
    return 0;
}
function builder(y) {
    return (0, options_1.jobsOption)((0, options_1.replayOptions)((0, options_1.heapOption)((0, options_1.mixOption)((0, options_1.tracesOption)((0, options_1.allocatorsOption)((0, options_1.deviceOption)(y)))))))
        .option('output', { alias: 'o', type: 'string', describe: 'the HTML file to write (required)' })
        .option('goal', { type: 'string', default: 'balanced', describe: 'what the ranking optimises: balanced | space | speed | realtime' })
        .option('frame-budget', { type: 'string', describe: 'compressed bytes of heap-map frames in the whole file (default 2MiB)' })
        .option('max-frames', { type: 'number', describe: 'at most this many scrubber frames per trace × allocator (default 120)' });
}
exports.reportCommand = {
    command: 'report',
    describe: 'one self-contained HTML report: tables, charts, OOM events and a heap-map scrubber per trace',
    builder: builder,
    handler: (0, common_1.handler)(reportHandler),
};
