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
exports.Progress = exports.parseParamFlags = exports.parseFormat = exports.parseGoal = exports.parseOom = exports.FIRMWARE_TRACES_DIR = exports.FORMATS = exports.OOM_POLICIES = exports.GOALS = void 0;
exports.list = list;
exports.deviceOption = deviceOption;
exports.allocatorsOption = allocatorsOption;
exports.allocatorOption = allocatorOption;
exports.tracesOption = tracesOption;
exports.traceOption = traceOption;
exports.mixOption = mixOption;
exports.loadMixes = loadMixes;
exports.replayOptions = replayOptions;
exports.heapOption = heapOption;
exports.jobsOption = jobsOption;
exports.compareOutputOptions = compareOutputOptions;
exports.parseLocks = parseLocks;
exports.parseReplayFlags = parseReplayFlags;
exports.parseCheckEvery = parseCheckEvery;
exports.parseCompaction = parseCompaction;
exports.parseJobs = parseJobs;
exports.parseSample = parseSample;
exports.parseSeed = parseSeed;
exports.parseHeap = parseHeap;
exports.outputTarget = outputTarget;
exports.emit = emit;
/**
 * Shared yargs option builders and their validation for the simulation commands (run, compare,
 * min-heap and the default command). Every option is declared here once so the commands agree
 * on names, types and help text.
 *
 * Choice-like options (--oom, --locks, --goal, --format) are plain strings validated by the
 * parse* functions below rather than with yargs `choices`: a bad value must give the one-line
 * `rmalloc-sim: ... (USAGE)` error and exit 2, not yargs' multi-line usage dump.
 */
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const errors_1 = require("../errors");
const trace_1 = require("../trace");
const units_1 = require("../util/units");
const common_1 = require("./common");
Object.defineProperty(exports, "parseParamFlags", { enumerable: true, get: function () { return common_1.parseParamFlags; } });
const advice_1 = require("../report/advice");
Object.defineProperty(exports, "GOALS", { enumerable: true, get: function () { return advice_1.GOALS; } });
const sim_1 = require("../sim");
exports.OOM_POLICIES = ['fail', 'compact', 'release', 'abort'];
exports.FORMATS = ['table', 'json', 'csv'];
/** The bundled traces folder (works from src/ under ts-node and from dist/). */
exports.FIRMWARE_TRACES_DIR = path.resolve(__dirname, '..', '..', 'firmware-traces');
/** A one-or-many flag as a list (absent: empty). */
function list(v) {
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
// ---- builders --------------------------------------------------------------------------
function deviceOption(y) {
    return y.option('device', {
        alias: 'd',
        type: 'string',
        default: 'nds',
        describe: 'device profile: a shipped name (see `rmalloc-sim devices`) or a path to a .json profile',
    });
}
function allocatorsOption(y) {
    return y.option('allocator', {
        alias: 'a',
        type: 'string',
        array: true,
        describe: 'allocator(s) to compare (repeatable; default: every registered allocator)',
    });
}
function allocatorOption(y) {
    return y.option('allocator', {
        alias: 'a',
        type: 'string',
        demandOption: true,
        describe: 'allocator to run (see `rmalloc-sim allocators`)',
    });
}
function tracesOption(y) {
    return y.option('trace', {
        alias: 't',
        type: 'string',
        array: true,
        describe: 'trace file(s) or folder(s) of *.trace / *.trace.gz (default: the bundled firmware-traces/)',
    });
}
/** One trace file; `demand: false` where --mix can stand in for it (run). */
function traceOption(y, demand = true) {
    return y.option('trace', {
        alias: 't',
        type: 'string',
        demandOption: demand,
        describe: `trace file (native text format, optionally gzip-compressed)${demand ? '' : '; or --mix'}`,
    });
}
function mixOption(y) {
    return y.option('mix', {
        type: 'string',
        array: true,
        describe: 'programs sharing one heap: T1,T2,... interleaved into one trace (by op count, seeded by --seed); repeatable',
    });
}
/** `--mix` values as traces (each value one mix of two or more files, src/trace/mix.ts). */
async function loadMixes(specs, seed) {
    const out = [];
    for (const s of specs ?? [])
        out.push(await (0, trace_1.loadMix)(s, { seed }));
    return out;
}
/** Replay configuration shared by run, compare and min-heap. */
function replayOptions(y) {
    return y
        .option('oom', {
        type: 'string',
        describe: `what the program does after a failed allocation, for every allocator: ${exports.OOM_POLICIES.join(' | ')} (fail: drop the object; compact: moving allocators compact and retry; release: free the oldest objects and retry; abort: stop). Default: as the real allocator does: moving ones compact, the others fail`,
    })
        .option('strict', { type: 'boolean', default: false, describe: 'make skipped trace lines an error (exit 2) instead of a count on stderr' })
        .option('locks', {
        type: 'string',
        default: 'none',
        describe: 'lock model for traces without l/u ops: none | access | pinned:<p> | lifetime:<f> (0 < p, f <= 1)',
    })
        .option('compact-every', { type: 'number', describe: 'call the allocator\'s compact() every N ops' })
        .option('compact-above', { type: 'number', describe: 'compact after an op that leaves extFrag above X (0..1)' })
        .option('compact-budget', { type: 'number', describe: 'cycle budget per compaction call (default: unlimited)' })
        .option('param', { alias: 'p', type: 'string', array: true, describe: 'allocator parameter name=value (repeatable)' })
        .option('seed', { type: 'number', default: 1, describe: 'seed of the lock model and other random choices' })
        .option('check', { type: 'boolean', default: false, describe: 'check heap integrity and payload contents: what each op touched after every op, the whole heap every --check-every ops and at the end' })
        .option('check-every', { type: 'number', default: sim_1.DEFAULT_CHECK_EVERY, describe: 'with --check: the whole-heap check every N ops (1: after every op, slow on large heaps)' })
        .option('cache', { type: 'boolean', default: true, describe: 'the device\'s data cache, where its profile has one (nds); --no-cache charges every access uncached (the worst case)' })
        .option('sample', { type: 'number', describe: 'sample the time series every k ops (extremes stay exact)' });
}
function heapOption(y) {
    return y.option('heap', {
        type: 'string',
        describe: 'heap size (e.g. 65536, 512KiB); default: the device profile\'s heap',
    });
}
function jobsOption(y) {
    return y.option('jobs', {
        alias: 'j',
        type: 'number',
        describe: `worker threads (default: available cores, here ${os.availableParallelism()})`,
    });
}
function compareOutputOptions(y) {
    return y
        .option('goal', { type: 'string', default: 'balanced', describe: `what the ranking optimises: ${advice_1.GOALS.join(' | ')}` })
        .option('format', { alias: 'f', type: 'string', default: 'table', describe: `stdout format: ${exports.FORMATS.join(' | ')}` })
        .option('json', { type: 'string', describe: 'also write the compare JSON to this file ("-" or no value: stdout)' })
        .option('csv', { type: 'string', describe: 'also write the matrix as CSV to this file ("-" or no value: stdout)' })
        .option('svg-dir', { type: 'string', describe: 'write a memory/cycles SVG per trace × allocator into this folder' });
}
// ---- validation ------------------------------------------------------------------------
function oneOf(what, v, allowed) {
    const s = String(v);
    if (!allowed.includes(s))
        throw new errors_1.SimError('USAGE', `--${what}: "${s}" is not one of ${allowed.join(', ')}`);
    return s;
}
/** --oom as given; undefined when absent (each allocator then runs its natural policy, src/study runSettings). */
const parseOom = (v) => (v === undefined ? undefined : oneOf('oom', v, exports.OOM_POLICIES));
exports.parseOom = parseOom;
const parseGoal = (v) => oneOf('goal', v ?? 'balanced', advice_1.GOALS);
exports.parseGoal = parseGoal;
const parseFormat = (v) => oneOf('format', v ?? 'table', exports.FORMATS);
exports.parseFormat = parseFormat;
/**
 * `none`, `pinned:<p>` or `lifetime:<f>` with 0 < p, f <= 1. Returned unchanged (the engine
 * takes the string), but checked here so a typo is a usage error before any work starts.
 */
function parseLocks(v) {
    const s = String(v ?? 'none');
    if (s === 'none' || s === 'access')
        return s;
    const m = /^(pinned|lifetime):(\d*\.?\d+)$/.exec(s);
    const x = m ? Number(m[2]) : NaN;
    if (!m || !(x > 0 && x <= 1))
        throw new errors_1.SimError('USAGE', `--locks: "${s}" is not none, access, pinned:<p> or lifetime:<f> with 0 < p, f <= 1`);
    return s;
}
function parseReplayFlags(args) {
    const oom = (0, exports.parseOom)(args.oom);
    const check = args.check === true;
    const every = parseCheckEvery(args['check-every']);
    return {
        ...(oom !== undefined ? { oom } : {}),
        locks: parseLocks(args.locks),
        params: (0, common_1.parseParamFlags)(args.param),
        seed: parseSeed(args.seed),
        check,
        ...(check ? { checkEvery: every } : {}),
        cache: args.cache !== false,
        ...parseCompaction(args),
    };
}
/** `--check-every N`: a positive integer (absent: DEFAULT_CHECK_EVERY). */
function parseCheckEvery(v) {
    if (v === undefined)
        return sim_1.DEFAULT_CHECK_EVERY;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
        throw new errors_1.SimError('USAGE', `--check-every: "${String(v)}" is not a positive integer`);
    return n;
}
/** The scheduled-compaction flags as RunConfig fields (absent flags are left out). */
function parseCompaction(args) {
    const out = {};
    const every = args['compact-every'];
    if (every !== undefined) {
        const n = Number(every);
        if (!Number.isInteger(n) || n < 1)
            throw new errors_1.SimError('USAGE', `--compact-every: "${String(every)}" is not a positive integer`);
        out.compactEvery = n;
    }
    const above = args['compact-above'];
    if (above !== undefined) {
        const x = Number(above);
        if (!(x >= 0 && x <= 1))
            throw new errors_1.SimError('USAGE', `--compact-above: "${String(above)}" is not a fraction between 0 and 1`);
        out.compactAboveExtFrag = x;
    }
    const budget = args['compact-budget'];
    if (budget !== undefined) {
        const n = Number(budget);
        if (!Number.isInteger(n) || n < 1)
            throw new errors_1.SimError('USAGE', `--compact-budget: "${String(budget)}" is not a positive integer`);
        out.compactBudget = n;
    }
    return out;
}
function parseJobs(v) {
    if (v === undefined)
        return Math.max(1, os.availableParallelism());
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
        throw new errors_1.SimError('USAGE', `--jobs: "${String(v)}" is not a positive integer`);
    // More worker threads than cores only add memory (each holds its traces): cap, and say so.
    const cap = Math.max(2, os.availableParallelism());
    if (n > cap) {
        process.stderr.write(`rmalloc-sim: --jobs ${n} is more than the ${cap} available cores: using ${cap}\n`);
        return cap;
    }
    return n;
}
function parseSample(v) {
    if (v === undefined)
        return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
        throw new errors_1.SimError('USAGE', `--sample: "${String(v)}" is not a positive integer`);
    return n;
}
function parseSeed(v) {
    const n = Number(v ?? 1);
    if (!Number.isInteger(n))
        throw new errors_1.SimError('USAGE', `--seed: "${String(v)}" is not an integer`);
    return n;
}
function parseHeap(v) {
    if (v === undefined)
        return undefined;
    return (0, units_1.requireSize)(String(v), '--heap');
}
/** An output option's target: undefined (not asked), 'stdout' ('' or '-'), or a file path. */
function outputTarget(v) {
    if (v === undefined || v === false)
        return undefined;
    const s = String(v);
    if (s === '' || s === '-' || s === 'true')
        return 'stdout';
    return { file: s };
}
// ---- plumbing shared by the commands ----------------------------------------------------
/**
 * A progress bar on stderr: drawn only when stderr is a terminal and the job has run for over a
 * second; nothing at all otherwise (so piped output and logs stay clean).
 */
class Progress {
    start = Date.now();
    drawn = false;
    enabled;
    label;
    done = 0;
    total = 0;
    timer;
    constructor(label, enabled = process.stderr.isTTY === true) {
        this.label = label;
        this.enabled = enabled;
        // Redraw twice a second so the clock moves while long jobs run in the workers.
        if (enabled)
            this.timer = setInterval(() => this.draw(), 500).unref();
    }
    update(done, total) {
        this.done = done;
        this.total = total;
        this.draw();
    }
    draw() {
        if (!this.enabled || this.total === 0)
            return;
        const secs = (Date.now() - this.start) / 1000;
        if (secs < 1 && !this.drawn)
            return;
        const width = 30;
        const filled = Math.round((width * this.done) / this.total);
        process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} jobs, ${secs.toFixed(0)} s\x1b[K`);
        this.drawn = true;
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = undefined;
        if (this.drawn)
            process.stderr.write('\r\x1b[K');
        this.drawn = false;
    }
}
exports.Progress = Progress;
/** Writes a report to stdout or (atomically) to a file. */
function emit(target, data, write) {
    if (target === undefined)
        return;
    if (target === 'stdout')
        process.stdout.write(data());
    else
        write(target.file, data());
}
