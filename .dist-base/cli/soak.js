"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.soakCommand = void 0;
exports.parseOps = parseOps;
const alloc_1 = require("../alloc");
const device_1 = require("../device");
const errors_1 = require("../errors");
const soak_1 = require("../sim/soak");
const units_1 = require("../util/units");
const common_1 = require("./common");
const options_1 = require("./options");
const sim_1 = require("../sim");
/** `10M`, `250k`, `1000000` as an op count. */
function parseOps(v) {
    const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(v.trim());
    const mult = m ? { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase()] : NaN;
    const n = m ? Math.round(Number(m[1]) * mult) : NaN;
    if (!Number.isSafeInteger(n) || n < 1)
        throw new errors_1.SimError('USAGE', `--ops: "${v}" is not a positive op count (e.g. 100000, 250k, 10M)`);
    return n;
}
function line(r) {
    const s = (r.wallMs / 1000).toFixed(1);
    const rate = r.wallMs > 0 ? Math.round(r.ops / (r.wallMs / 1000)) : 0;
    return `${r.allocator.padEnd(12)} ${String(r.ops).padStart(10)} ops  ${String(r.ooms).padStart(8)} OOMs  ${String(r.compactions).padStart(7)} compactions  ${r.violations} violations  ${s} s (${rate} ops/s)`;
}
async function soakHandler(args) {
    const ops = parseOps(String(args.ops));
    const seed = args.seed === undefined ? (Date.now() % 1_000_000_007) >>> 0 : Number(args.seed);
    if (!Number.isSafeInteger(seed) || seed < 0)
        throw new errors_1.SimError('USAGE', `--seed: "${String(args.seed)}" is not a non-negative integer`);
    const heapSize = (0, units_1.parseSize)(String(args.heap));
    if (heapSize === undefined || heapSize < 256)
        throw new errors_1.SimError('USAGE', `--heap: "${String(args.heap)}" is not a size of at least 256 bytes`);
    const dev = (0, device_1.loadDevice)(args.device);
    (0, device_1.heapSpans)(dev, heapSize, false);
    const names = args.allocator?.length ? args.allocator : (0, alloc_1.allocatorNames)();
    for (const a of names)
        (0, alloc_1.getFactory)(a);
    const every = (0, options_1.parseCheckEvery)(args['check-every']);
    const checking = every === 1 ? 'the whole heap checked after every op' : `each op's blocks checked after it, the whole heap every ${every} ops`;
    process.stdout.write(`soak: ${ops} ops per allocator, seed ${seed}, heap ${heapSize} B on ${dev.name}; ${checking}\n`);
    let bad = 0;
    const results = [];
    for (const a of names) {
        // Runs of several segments report each segment on stderr as it ends (a long soak cut short
        // still shows how far it got).
        const onSegment = ops > soak_1.SEGMENT_OPS
            ? (g) => process.stderr.write(`${a} segment ${g.index}: ${g.ops} ops, ${g.ooms} OOMs, ${g.compactions} compactions, ${g.status}, ${(g.wallMs / 1000).toFixed(1)} s\n`)
            : undefined;
        const r = (0, soak_1.soak)({ device: dev, allocator: a, ops, seed, heapSize, checkEvery: every, ...(onSegment ? { onSegment } : {}) });
        results.push(r);
        if (!args.json)
            process.stdout.write(line(r) + '\n');
        const v = r.segments.find((s) => s.violation);
        if (v?.violation) {
            bad++;
            process.stdout.write(`  VIOLATION in segment ${v.index} (seed ${v.seed}, oom ${v.oom}, compact-every ${v.compactEvery ?? 'off'}) at op ${v.violation.op}: ${v.violation.message}\n` +
                v.violation.blocks.map((b) => `    ${b}\n`).join('') +
                `  reproduce: rmalloc-sim soak -a ${a} --ops ${ops} --seed ${seed} --heap ${heapSize} --device ${dev.name} --check-every ${every}\n`);
        }
    }
    if (args.json)
        process.stdout.write(JSON.stringify({ schema: 1, seed, ops, heapSize, device: dev.name, checkEvery: every, results }, null, 2) + '\n');
    return bad > 0 ? 1 : 0;
}
exports.soakCommand = {
    command: 'soak',
    describe: 'long seeded random runs (alloc 1 B..heap/4, free, realloc, locks, compaction) under --check',
    builder: (y) => (0, options_1.deviceOption)(y)
        .option('allocator', { alias: 'a', type: 'string', array: true, describe: 'allocator(s) (default: every registered allocator)' })
        .option('ops', { type: 'string', default: '1M', describe: 'ops per allocator (e.g. 100000, 250k, 10M)' })
        .option('seed', { type: 'string', describe: 'seed of the workload (default: from the clock, printed)' })
        .option('heap', { type: 'string', default: '64KiB', describe: 'heap size (small heaps fill, fragment and run out often)' })
        .option('check-every', { type: 'number', default: sim_1.DEFAULT_CHECK_EVERY, describe: 'the whole-heap check every N ops and at the end of each segment; what each op touched is checked after every op (1: the whole heap after every op)' })
        .option('json', { type: 'boolean', default: false, describe: 'print the results as JSON' })
        .example('$0 soak -a rmalloc --ops 10M --seed 1', '10 million checked ops through rmalloc'),
    handler: (0, common_1.handler)(soakHandler),
};
