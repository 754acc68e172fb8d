"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.squeezeCommand = void 0;
const errors_1 = require("../errors");
const report_1 = require("../report");
const squeeze_1 = require("../report/squeeze");
const squeeze_svg_1 = require("../report/squeeze-svg");
const squeeze_2 = require("../study/squeeze");
const common_1 = require("./common");
const compare_1 = require("./compare");
const options_1 = require("./options");
async function squeezeHandler(args) {
    const format = (0, options_1.parseFormat)(args.format);
    const json = (0, options_1.outputTarget)(args.json);
    const csv = (0, options_1.outputTarget)(args.csv);
    const svg = (0, options_1.outputTarget)(args.svg);
    const toStdout = [json, csv, svg].filter((x) => x === 'stdout').length;
    if (toStdout > 1)
        throw new errors_1.SimError('USAGE', 'only one of --json, --csv and --svg can go to stdout');
    const ladder = args.heaps !== undefined ? (0, squeeze_2.parseHeaps)(String(args.heaps)) : undefined;
    const steps = args.steps ?? squeeze_2.SQUEEZE_STEPS;
    if (!Number.isInteger(steps) || steps < 2 || steps > 100)
        throw new errors_1.SimError('USAGE', `--steps: "${String(args.steps)}" is not an integer from 2 to 100`);
    // The study's spec (the same parsing as compare), its traces then its mixes.
    const { series: _s, minHeap: _m, goal: _g, progress: _p, ...spec } = (0, compare_1.studySpec)(args, { series: false });
    const progress = new options_1.Progress('squeeze');
    const o = { ...spec, mixes: await (0, options_1.loadMixes)(args.mix, spec.seed), steps, onProgress: (d, t) => progress.update(d, t) };
    if (ladder)
        o.ladder = ladder;
    const { report, failures, study } = await (0, squeeze_2.runSqueeze)(o).finally(() => progress.stop());
    (0, compare_1.warnStudy)(study);
    if (json && json !== 'stdout')
        (0, report_1.writeFileAtomic)(json.file, (0, report_1.stringify)(report));
    if (csv && csv !== 'stdout')
        (0, report_1.writeFileAtomic)(csv.file, (0, squeeze_1.squeezeCsv)(report));
    if (svg && svg !== 'stdout')
        (0, report_1.writeFileAtomic)(svg.file, (0, squeeze_svg_1.renderSqueezeChart)(report));
    const style = { color: process.stdout.isTTY === true };
    if (json === 'stdout' || (format === 'json' && toStdout === 0))
        process.stdout.write((0, report_1.stringify)(report));
    else if (csv === 'stdout' || (format === 'csv' && toStdout === 0))
        process.stdout.write((0, squeeze_1.squeezeCsv)(report));
    else if (svg === 'stdout')
        process.stdout.write((0, squeeze_svg_1.renderSqueezeChart)(report));
    else
        process.stdout.write(args.detail ? (0, squeeze_1.squeezeDetailTable)(report, style) : (0, squeeze_1.squeezeTable)(report, style));
    for (const f of failures)
        process.stderr.write(`rmalloc-sim: ${f} (ALLOCATOR_FAILED)\n`);
    return failures.length > 0 ? 1 : 0;
}
function builder(y) {
    return (0, options_1.mixOption)((0, options_1.jobsOption)((0, options_1.replayOptions)((0, options_1.tracesOption)((0, options_1.allocatorsOption)((0, options_1.deviceOption)(y))))))
        .option('heaps', {
        type: 'string',
        describe: 'heap sizes to try, for every allocator: a list (64KiB,96KiB) or FROM:TO:STEP; default: per allocator, ' +
            `${squeeze_2.SQUEEZE_STEPS} sizes from its min heap (then 90 % of it) down to 90 % of peak live`,
    })
        .option('steps', { type: 'number', describe: `sizes in the default ladder (default ${squeeze_2.SQUEEZE_STEPS})` })
        .option('format', { alias: 'f', type: 'string', default: 'table', describe: 'stdout format: table | json | csv' })
        .option('detail', { type: 'boolean', default: false, describe: 'table: every heap size of every allocator instead of one line each' })
        .option('json', { type: 'string', describe: 'also write the squeeze JSON to this file ("-": stdout)' })
        .option('csv', { type: 'string', describe: 'also write every heap size as CSV to this file ("-": stdout)' })
        .option('svg', { type: 'string', describe: 'write the chart of failures against heap size to this SVG file ("-": stdout)' })
        .option('oom', {
        type: 'string',
        describe: 'what the program does after a failed allocation: fail (drop the object) | compact (moving allocators compact first; default, as in compare) | release (free the oldest objects and retry) | abort',
    });
}
exports.squeezeCommand = {
    command: 'squeeze',
    describe: 'how each allocator fails as the heap shrinks: failures, fragmentation vs exhaustion, first failure, per heap size',
    builder: builder,
    handler: (0, common_1.handler)(squeezeHandler),
};
