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
exports.heapmapCommand = void 0;
exports.deviceRegions = deviceRegions;
const path = __importStar(require("node:path"));
const device_1 = require("../device");
const errors_1 = require("../errors");
const study_1 = require("../study");
const log_1 = require("../log");
const atomic_1 = require("../util/atomic");
const report_1 = require("../report");
const heapmap_1 = require("../report/heapmap");
const frames_1 = require("../report/frames");
const sim_1 = require("../sim");
const trace_1 = require("../trace");
const common_1 = require("./common");
const options_1 = require("./options");
const trace_2 = require("./trace");
/** The device's regions with numeric base and size (the profile may hold strings). */
function deviceRegions(dev) {
    return dev.regions.map((r) => ({ name: r.name, base: Number(r.base), size: Number(r.size) }));
}
function parseAt(v, ops) {
    if (v === undefined)
        return undefined;
    if (v === 'end')
        return Math.max(0, ops - 1);
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
        throw new errors_1.SimError('USAGE', `--at: "${v}" is not an op index (0, 1, ... or end)`);
    if (n >= ops)
        throw new errors_1.SimError('USAGE', `--at: op ${n} is past the end of the trace (${ops} ops: 0 to ${ops - 1})`);
    return n;
}
async function heapmapHandler(args) {
    const flags = (0, options_1.parseReplayFlags)(args);
    const params = flags.params;
    const heapSize = (0, options_1.parseHeap)(args.heap);
    const animate = args.animate;
    const framesDir = args.frames;
    const sequence = framesDir !== undefined || animate !== undefined;
    if (!sequence && args.at === undefined)
        throw new errors_1.SimError('USAGE', 'heapmap needs --at OP (or --frames DIR / --animate F for a sequence)');
    if (args.every !== undefined && (!Number.isInteger(args.every) || args.every < 1))
        throw new errors_1.SimError('USAGE', `--every: "${String(args.every)}" is not a positive integer`);
    if (args.every !== undefined && !sequence)
        throw new errors_1.SimError('USAGE', '--every needs --frames DIR or --animate F');
    const dev = (0, device_1.loadDevice)(args.device);
    const f = (0, sim_1.planRig)(dev, String(args.allocator), { params, heapSize }).factory; // validates before any work
    const tracePath = String(args.trace);
    const files = (0, trace_1.findTraceFiles)([tracePath]);
    if (files.length !== 1)
        throw new errors_1.SimError('USAGE', `heapmap takes one trace; ${tracePath} holds ${files.length}`, { file: tracePath });
    const trace = await (0, trace_1.loadTrace)(files[0], { strict: args.strict === true });
    (0, trace_2.reportSkipped)(trace.info.path, trace.skipped);
    (0, trace_1.warnPointerSizes)([trace], dev);
    const ops = trace.ops.n;
    if (ops === 0)
        throw new errors_1.SimError('USAGE', `${tracePath} has no ops to show`, { file: tracePath });
    const at = parseAt(args.at, ops);
    const cfg = {
        device: dev, allocator: f.name, ...flags, oom: (0, study_1.runSettings)(f, flags.oom).oom, series: false,
    };
    if (heapSize !== undefined)
        cfg.heapSize = heapSize;
    const info = { device: dev.name, allocator: f.name, trace: trace.info.name, regions: deviceRegions(dev) };
    if (!sequence) {
        let snap = null;
        cfg.stopAfter = at + 1;
        const r = (0, sim_1.replay)(trace, cfg, {
            afterOp(i, view) {
                if (i === at)
                    snap = (0, heapmap_1.snapshotHeap)(view, i);
            },
        });
        if (!snap) {
            const why = r.status === 'aborted' ? 'the run aborted at an OOM' : r.status === 'violation' ? `an integrity violation: ${r.violation?.message ?? ''}` : 'the run stopped';
            throw new errors_1.SimError('USAGE', `op ${at} was never reached: ${why} (before op ${r.summary.opsRun})`);
        }
        const svg = (0, heapmap_1.renderHeapMap)(snap, { ...info, caption: (0, frames_1.frameCaption)(at, 'op', ops) });
        if (args.svg !== undefined && args.svg !== '-' && args.svg !== '')
            (0, report_1.writeFileAtomic)(args.svg, svg);
        else
            process.stdout.write(svg);
        return r.status === 'violation' ? 1 : 0;
    }
    const every = args.every ?? Math.max(1, Math.ceil(ops / 100));
    const lastOp = at ?? ops - 1;
    cfg.stopAfter = lastOp + 1;
    // Frames in replay order: op samples and compaction pairs interleaved by op index.
    const sampler = new frames_1.FrameSampler({ every, lastOp }, frames_1.takeSnapshot);
    const seq = [];
    const r = (0, sim_1.replay)(trace, cfg, {
        afterOp(i, view) {
            const n = sampler.frames.length;
            sampler.afterOp(i, view);
            if (sampler.frames.length > n)
                seq.push(sampler.frames.pop());
        },
        beforeCompact: (i, view) => sampler.beforeCompact(i, view),
        afterCompact(i, view, res) {
            const n = sampler.compactions.length;
            sampler.afterCompact(i, view, res);
            if (sampler.compactions.length > n) {
                const c = sampler.compactions.pop();
                seq.push({ op: c.op, tag: 'before', data: c.before }, { op: c.op, tag: 'after', data: c.after });
            }
        },
    });
    if (framesDir !== undefined) {
        (0, atomic_1.ensureDir)(framesDir, '--frames');
        (0, report_1.writeFilesAtomic)(seq.map((fr, k) => ({
            file: path.join(framesDir, (0, frames_1.frameFileName)(k, seq.length)),
            data: (0, heapmap_1.renderHeapMap)(fr.data, { ...info, caption: (0, frames_1.frameCaption)(fr.op, fr.tag, ops) }),
        })));
        log_1.log.info({ frames: seq.length, dir: framesDir }, 'heap-map frames written');
    }
    if (animate !== undefined)
        (0, report_1.writeFileAtomic)(animate, (0, frames_1.renderAnimatedSvg)(seq, info, ops));
    process.stdout.write(`${seq.length} frames (every ${every} ops up to op ${lastOp}, ${seq.filter((s) => s.tag === 'before').length} compactions)` +
        `${framesDir !== undefined ? ` in ${framesDir}` : ''}${animate !== undefined ? `; animation ${animate}` : ''}\n`);
    return r.status === 'violation' ? 1 : 0;
}
exports.heapmapCommand = {
    command: 'heapmap',
    describe: 'the heap layout after an op as SVG (--at OP), or a frame sequence / animated SVG (--frames DIR --every N, --animate F)',
    builder: (y) => (0, options_1.replayOptions)((0, options_1.heapOption)((0, options_1.traceOption)((0, options_1.allocatorOption)((0, options_1.deviceOption)(y)))))
        .option('at', { type: 'string', describe: 'op index (0-based) after which to draw the heap, or "end"' })
        .option('svg', { type: 'string', describe: 'write the SVG to this file (default: stdout)' })
        .option('frames', { type: 'string', describe: 'write a numbered sequence of heap-map SVGs into this folder' })
        .option('every', { type: 'number', describe: 'with --frames/--animate: one frame every N ops (default: about 100 frames)' })
        .option('animate', { type: 'string', describe: 'write the frame sequence as one animated (SMIL) SVG to this file' }),
    handler: (0, common_1.handler)(heapmapHandler),
};
