"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.minHeapCommand = void 0;
/**
 * `rmalloc-sim min-heap --device D --allocator A --trace F`: the smallest heap in which the
 * trace runs with zero OOMs, beside peak live, the ideal footprint and Robson's bound. The
 * search may go past the device's RAM (a what-if, marked "does not fit on this device").
 *
 * --allocator and --trace may be repeated (or --trace may name a folder): the searches then run
 * on the worker pool, one per trace × allocator, and the JSON is { schema, results: [...] }.
 * With one of each the JSON is the min-heap object of design §9 itself.
 */
const errors_1 = require("../errors");
const device_1 = require("../device");
const report_1 = require("../report");
const parallel_1 = require("../sim/parallel");
const common_1 = require("./common");
const study_1 = require("../study");
const trace_1 = require("../trace");
const trace_2 = require("./trace");
const options_1 = require("./options");
async function minHeapHandler(args) {
    const flags = (0, options_1.parseReplayFlags)(args);
    const params = flags.params;
    const sample = (0, options_1.parseSample)(args.sample);
    const jobsN = (0, options_1.parseJobs)(args.jobs);
    const json = (0, options_1.outputTarget)(args.json);
    const tolRaw = args.tolerance;
    const tolerance = tolRaw === undefined ? 0 : Number(tolRaw) / 100;
    if (!(tolerance >= 0 && tolerance < 0.5))
        throw new errors_1.SimError('USAGE', `--tolerance: "${String(tolRaw)}" is not a percentage between 0 and 50`);
    const dev = (0, device_1.loadDevice)(args.device);
    (0, device_1.heapSpans)(dev);
    const allocs = (0, study_1.resolveAllocators)(dev, (0, options_1.list)(args.allocator), params, flags.oom);
    const traces = await (0, study_1.loadStudyTraces)((0, options_1.list)(args.trace), { strict: args.strict === true });
    for (const s of (0, study_1.skippedLines)(traces))
        (0, trace_2.reportSkipped)(s.file, s.skipped);
    (0, trace_1.warnPointerSizes)(traces, dev);
    const jobs = [];
    traces.forEach((_, ti) => {
        for (const a of allocs) {
            const cfg = {
                device: dev, allocator: a.name, ...flags, oom: a.oom, params: a.params, series: false,
            };
            if (sample !== undefined)
                cfg.sample = sample;
            jobs.push({ kind: 'minHeap', trace: ti, cfg, tolerance });
        }
    });
    const progress = new options_1.Progress('min-heap');
    const outcomes = await (0, parallel_1.runJobs)(traces, jobs, { threads: jobsN, onProgress: (d, t) => progress.update(d, t) });
    progress.stop();
    const results = [];
    for (const o of outcomes) {
        if (!o.ok)
            throw o.error;
        if (o.kind !== 'minHeap')
            throw new Error('min-heap job returned a run');
        results.push(o.value);
    }
    const single = results.length === 1;
    const text = () => (0, report_1.stringify)(single ? (0, report_1.minHeapJson)(results[0]) : { schema: report_1.SCHEMA, results: results.map(report_1.minHeapJson) });
    if (json && json !== 'stdout')
        (0, report_1.writeFileAtomic)(json.file, text());
    if (json === 'stdout')
        process.stdout.write(text());
    else
        process.stdout.write(results.map(report_1.minHeapText).join('\n'));
    return 0;
}
exports.minHeapCommand = {
    command: 'min-heap',
    describe: 'find the smallest heap with zero OOMs for an allocator and a trace (bisection, then verified)',
    builder: (y) => (0, options_1.jobsOption)((0, options_1.replayOptions)((0, options_1.deviceOption)(y)))
        .option('allocator', { alias: 'a', type: 'string', array: true, demandOption: true, describe: 'allocator(s) (repeatable)' })
        .option('trace', { alias: 't', type: 'string', array: true, demandOption: true, describe: 'trace file(s) or folder(s) (repeatable)' })
        .option('tolerance', {
        type: 'number',
        describe: 'stop bisecting within this many percent of the answer (e.g. 0.5; the answer stays a verified clean size); default 0: exact',
    })
        .option('json', { type: 'string', describe: 'print the min-heap JSON instead of the summary (or write it to this file)' }),
    handler: (0, common_1.handler)(minHeapHandler),
};
