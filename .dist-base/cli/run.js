"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.runCommand = void 0;
const device_1 = require("../device");
const report_1 = require("../report");
const sim_1 = require("../sim");
const trace_1 = require("../trace");
const errors_1 = require("../errors");
const study_1 = require("../study");
const common_1 = require("./common");
const trace_2 = require("./trace");
const options_1 = require("./options");
/** run's one trace: --trace F, or one --mix T1,T2,... (programs sharing the heap). */
async function oneTrace(args, seed) {
    const mixes = args.mix ?? [];
    if (args.trace !== undefined && mixes.length > 0)
        throw new errors_1.SimError('USAGE', 'run takes one trace: --trace or --mix, not both');
    if (mixes.length > 1)
        throw new errors_1.SimError('USAGE', `run takes one trace; --mix was given ${mixes.length} times (use compare for several)`);
    if (mixes.length === 1)
        return (await (0, options_1.loadMixes)(mixes, seed))[0];
    if (args.trace === undefined)
        throw new errors_1.SimError('USAGE', 'run needs a trace: --trace F or --mix T1,T2,...');
    const tracePath = String(args.trace);
    const files = (0, trace_1.findTraceFiles)([tracePath]);
    if (files.length !== 1)
        throw new errors_1.SimError('USAGE', `run takes one trace; ${tracePath} holds ${files.length} (use compare for several)`, { file: tracePath });
    return (0, trace_1.loadTrace)(files[0], { strict: args.strict === true });
}
async function runHandler(args) {
    const flags = (0, options_1.parseReplayFlags)(args);
    const params = flags.params;
    const sample = (0, options_1.parseSample)(args.sample);
    const heapSize = (0, options_1.parseHeap)(args.heap);
    const json = (0, options_1.outputTarget)(args.json);
    const csv = (0, options_1.outputTarget)(args.csv);
    const svg = (0, options_1.outputTarget)(args.svg);
    if (svg === 'stdout' && (json === 'stdout' || csv === 'stdout'))
        throw new errors_1.SimError('USAGE', 'only one of --json, --csv and --svg can go to stdout');
    if (json === 'stdout' && csv === 'stdout')
        throw new errors_1.SimError('USAGE', 'only one of --json and --csv can go to stdout');
    const dev = (0, device_1.loadDevice)(args.device);
    const f = (0, sim_1.planRig)(dev, String(args.allocator), { params, heapSize }).factory; // validates before any work
    const trace = await oneTrace(args, flags.seed);
    (0, trace_2.reportSkipped)(trace.info.path, trace.skipped);
    (0, trace_1.warnPointerSizes)([trace], dev);
    const cfg = {
        device: dev, allocator: f.name, ...flags, oom: (0, study_1.runSettings)(f, flags.oom).oom, series: Boolean(csv || svg),
    };
    if (heapSize !== undefined)
        cfg.heapSize = heapSize;
    if (sample !== undefined)
        cfg.sample = sample;
    const r = (0, sim_1.replay)(trace, cfg);
    if (json && json !== 'stdout')
        (0, report_1.writeFileAtomic)(json.file, (0, report_1.stringify)((0, report_1.runJson)(r)));
    if (csv && csv !== 'stdout')
        (0, report_1.writeFileAtomic)(csv.file, (0, report_1.runCsv)(r));
    if (svg && svg !== 'stdout')
        (0, report_1.writeFileAtomic)(svg.file, (0, report_1.renderChart)((0, report_1.chartFromRun)(r)));
    if (json === 'stdout')
        process.stdout.write((0, report_1.stringify)((0, report_1.runJson)(r)));
    else if (csv === 'stdout')
        process.stdout.write((0, report_1.runCsv)(r));
    else if (svg === 'stdout')
        process.stdout.write((0, report_1.renderChart)((0, report_1.chartFromRun)(r)));
    else
        process.stdout.write((0, report_1.runText)(r));
    if (r.status === 'violation') {
        const v = r.violation;
        process.stderr.write(`rmalloc-sim: ${v ? `op ${v.op} (line ${v.line}): ${v.message}` : 'integrity violation'} (VIOLATION)\n`);
        return 1;
    }
    const failedOoms = r.summary.ooms; // already excludes recovered OOMs
    if (args['fail-on-oom'] === true && failedOoms > 0) {
        const e = r.oomEvents.find((x) => x.outcome !== 'recovered');
        process.stderr.write(`rmalloc-sim: ${failedOoms} allocation(s) failed${e ? `; first at op ${e.op} (line ${e.line})` : ''} (OOM)\n`);
        return 1;
    }
    return 0;
}
exports.runCommand = {
    command: 'run',
    describe: 'replay one trace through one allocator on a device; summary, JSON, CSV series, SVG chart',
    builder: (y) => (0, options_1.replayOptions)((0, options_1.heapOption)((0, options_1.mixOption)((0, options_1.traceOption)((0, options_1.allocatorOption)((0, options_1.deviceOption)(y)), false))))
        .option('json', { type: 'string', describe: 'write the run JSON to this file ("-" or no value: stdout instead of the summary)' })
        .option('csv', { type: 'string', describe: 'write the time series as CSV to this file ("-" or no value: stdout)' })
        .option('svg', { type: 'string', describe: 'write the memory / cycles chart to this SVG file ("-" or no value: stdout)' })
        .option('fail-on-oom', { type: 'boolean', default: false, describe: 'exit 1 when an allocation failed' }),
    handler: (0, common_1.handler)(runHandler),
};
