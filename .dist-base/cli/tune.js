"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.tuneCommand = exports.readPartials = void 0;
exports.runTune = runTune;
exports.tuneOutput = tuneOutput;
exports.mergeTune = mergeTune;
exports.printTune = printTune;
const alloc_1 = require("../alloc");
const device_1 = require("../device");
const errors_1 = require("../errors");
const report_1 = require("../report");
const parallel_1 = require("../sim/parallel");
const shard_1 = require("../study/shard");
Object.defineProperty(exports, "readPartials", { enumerable: true, get: function () { return shard_1.readPartials; } });
const tune_1 = require("../study/tune");
const tune_report_1 = require("../study/tune-report");
const tune_2 = require("../study/tune");
const common_1 = require("./common");
const compare_1 = require("./compare");
const options_1 = require("./options");
/** The search's traces, verified by a plain compare of one setting (compare's own code path). */
async function verify(o, dev, search, key) {
    const p = search.points.find((x) => x.key === key);
    const params = (0, tune_2.paramsOf)(search.dims, p.setting, o.fixed);
    const run = (0, tune_2.runOf)(search.dims, p.setting, o.base);
    const compaction = {};
    if (run.compactEvery !== undefined)
        compaction.compactEvery = run.compactEvery;
    if (run.compactAboveExtFrag !== undefined)
        compaction.compactAboveExtFrag = run.compactAboveExtFrag;
    if (run.compactBudget !== undefined)
        compaction.compactBudget = run.compactBudget;
    const { report } = await (0, compare_1.runCompare)({
        device: o.device, allocators: [o.allocator], traces: o.traces, oom: run.oom, locks: run.locks, seed: run.seed, check: false,
        params, compaction, goal: o.goal, jobs: o.jobs, series: false, minHeapTolerance: compare_1.MIN_HEAP_TOLERANCE,
        tight: false, // tune reads the min heap and cycles, not the tight-memory line: no 90 % probe
    });
    void dev;
    const perTrace = search.traces.map((name) => {
        const t = report.traces.find((x) => x.trace === name);
        const c = t.results[0];
        if (!c.summary || !c.cycles || !c.compaction)
            throw new errors_1.SimError('USAGE', `tune: the verification run of ${o.allocator} failed on ${name}: ${c.error ?? c.status}`);
        return (0, tune_1.traceFigures)(name, t.peakLive, { summary: c.summary, cycles: c.cycles, compaction: c.compaction }, c.minHeap ? { minHeap: c.minHeap.minHeap, ratio: c.minHeap.ratio } : null);
    });
    return { perTrace, tolerance: compare_1.MIN_HEAP_TOLERANCE };
}
function inputsOf(o, dev, traces) {
    return {
        device: dev, allocator: o.allocator, goal: o.goal, budget: o.budget, seed: o.seed, base: o.base, fixed: o.fixed,
        traces: traces.map((t) => ({ name: t.info.name, hash: (0, shard_1.traceHash)(t) })),
    };
}
/** Runs a tune (or one shard of it): the report, or the partial for merge. */
async function runTune(o) {
    const dev = (0, device_1.loadDevice)(o.device);
    (0, alloc_1.getFactory)(o.allocator);
    const traces = await (0, compare_1.loadTraces)(o.traces);
    const search = await (0, tune_1.tuneSearch)({
        device: dev, allocator: o.allocator, traces, goal: o.goal, budget: o.budget, seed: o.seed, run: o.base, fixed: o.fixed,
        runner: (t, jobs) => (0, parallel_1.runJobs)(t, jobs, { threads: o.jobs }),
        ...(o.shard ? { shard: o.shard } : {}),
        onBatch: (d, b) => o.progress?.update(d, b),
    });
    o.progress?.stop();
    const verified = {};
    verified[search.defaultKey] = await verify(o, dev, search, search.defaultKey);
    if (search.bestKey !== search.defaultKey)
        verified[search.bestKey] = await verify(o, dev, search, search.bestKey);
    const context = { device: dev.name, allocator: o.allocator, goal: o.goal, fixed: o.fixed, base: o.base };
    if (o.shard) {
        const inputs = inputsOf(o, dev, traces);
        return { partial: { schema: 1, partial: true, command: 'tune', shard: o.shard, fingerprint: (0, shard_1.fingerprint)(inputs), inputs, data: { search, verified, context } } };
    }
    return { report: reportOf({ search, verified, context }) };
}
function reportOf(d) {
    const c = d.context;
    return (0, tune_report_1.buildTuneReport)(c.device, c.allocator, c.goal, d.search, c.fixed, c.base, d.verified[d.search.defaultKey], d.verified[d.search.bestKey]);
}
/** The output options a tune partial recorded (merge's own take precedence). */
function tuneOutput(p) {
    return p.data.output ?? {};
}
/** Merges tune partials into the report of the unsharded run. */
function mergeTune(parts) {
    const data = parts.map((p) => (0, shard_1.reviveInfinity)(p.data, ['space', 'speed', 'relSpeed', 'worst', 'score', 'gridSize']));
    const search = (0, tune_1.mergeSearches)(data.map((d) => d.search));
    const verified = {};
    for (const d of data)
        for (const [k, v] of Object.entries(d.verified))
            verified[k] ??= v;
    const best = search.points.find((p) => p.key === search.bestKey);
    if (!verified[search.bestKey])
        throw new Error(`merge: no shard verified the best setting ${best.key}`);
    void tune_1.better;
    return reportOf({ search, verified, context: data[0].context });
}
/** Prints a tune report as asked (stdout text or JSON, files whole or not at all). */
function printTune(r, args) {
    if (args.svg !== undefined)
        (0, report_1.writeFileAtomic)(args.svg, (0, tune_report_1.paretoSvg)(r));
    const jt = (0, options_1.outputTarget)(args.json);
    if (jt && jt !== 'stdout')
        (0, report_1.writeFileAtomic)(jt.file, (0, report_1.stringify)(r));
    if (args.format === 'json' || jt === 'stdout')
        process.stdout.write((0, report_1.stringify)(r));
    else
        process.stdout.write((0, tune_report_1.tuneText)(r));
}
function parseBudget(v) {
    if (v === undefined)
        return tune_1.DEFAULT_BUDGET;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
        throw new errors_1.SimError('USAGE', `--budget: "${String(v)}" is not a positive integer`);
    return n;
}
async function tuneHandler(args) {
    const format = String(args.format ?? 'table');
    if (format !== 'table' && format !== 'json')
        throw new errors_1.SimError('USAGE', `--format: "${format}" is not one of table, json`);
    const shard = (0, shard_1.parseShard)(args.shard);
    if (shard && args.out === undefined)
        throw new errors_1.SimError('USAGE', '--shard K/N needs --out FILE for the partial JSON');
    const o = {
        device: args.device,
        allocator: args.allocator,
        traces: args.trace,
        goal: (0, options_1.parseGoal)(args.goal),
        budget: parseBudget(args.budget),
        seed: (0, options_1.parseSeed)(args.seed),
        base: { oom: (0, options_1.parseOom)(args.oom) ?? 'fail', locks: (0, options_1.parseLocks)(args.locks), seed: (0, options_1.parseSeed)(args.seed), ...(0, options_1.parseCompaction)(args) },
        fixed: (0, options_1.parseParamFlags)(args.param),
        jobs: (0, options_1.parseJobs)(args.jobs),
        progress: new options_1.Progress('tune'),
        ...(shard ? { shard } : {}),
    };
    const r = await runTune(o);
    if (r.partial) {
        const output = {};
        for (const k of ['format', 'json', 'svg'])
            if (args[k] !== undefined)
                output[k] = String(args[k]);
        r.partial.data.output = output;
        (0, report_1.writeFileAtomic)(args.out, (0, report_1.stringify)(r.partial));
        return 0;
    }
    printTune(r.report, args);
    return 0;
}
function builder(y) {
    return (0, options_1.jobsOption)((0, options_1.replayOptions)((0, options_1.tracesOption)((0, options_1.deviceOption)(y))))
        .option('allocator', { alias: 'a', type: 'string', demandOption: true, describe: 'the allocator to tune (see `rmalloc-sim allocators NAME` for its tune space)' })
        .option('goal', { type: 'string', default: 'balanced', describe: 'what to optimise: balanced | space | speed | realtime' })
        .option('budget', { type: 'number', describe: `most settings to evaluate (default ${tune_1.DEFAULT_BUDGET}); a space that fits is searched exhaustively` })
        .option('format', { alias: 'f', type: 'string', default: 'table', describe: 'stdout format: table | json' })
        .option('json', { type: 'string', describe: 'also write the tune JSON to this file ("-": stdout)' })
        .option('svg', { type: 'string', describe: 'write the Pareto front (min heap against mean cycles) as SVG to this file' });
}
exports.tuneCommand = {
    command: 'tune',
    describe: 'search an allocator\'s parameters for a goal on a device and traces; prints default vs tuned and the flags that reproduce it',
    builder: builder,
    handler: (0, common_1.handler)(tuneHandler),
};
