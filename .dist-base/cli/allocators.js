"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.allocatorsCommand = void 0;
exports.formatAllocatorList = formatAllocatorList;
exports.formatAllocator = formatAllocator;
const device_1 = require("../device");
const alloc_1 = require("../alloc");
const sim_1 = require("../sim");
const errors_1 = require("../errors");
const common_1 = require("./common");
const SAMPLE_SIZES = [1, 8, 16, 24, 100, 1000, 4096];
function paramsLine(f) {
    return f.params.length ? f.params.map((p) => `${p.name}=${String(p.default)}`).join(' ') : '-';
}
function columns(rows) {
    const widths = [];
    for (const r of rows)
        r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, i === r.length - 1 ? 0 : c.length)));
    return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}
function formatAllocatorList(fs) {
    const rows = [['NAME', 'MOVING', 'MULTI-HEAP', 'PARAMS (defaults)', 'SUMMARY']];
    for (const f of fs)
        rows.push([f.name, f.moving ? 'yes' : 'no', f.multiHeap ? 'yes' : 'no', paramsLine(f), f.summary]);
    return columns(rows).join('\n') + '\n';
}
function layoutOn(f, deviceName, flags) {
    const dev = (0, device_1.loadDevice)(deviceName);
    const { params, heapSize: heapBytes } = (0, sim_1.planRig)(dev, f.name, { factory: f, params: flags });
    let a;
    try {
        a = (0, sim_1.buildRig)(dev, f.name, { factory: f, params: flags }).allocator;
    }
    catch (e) {
        if (e instanceof errors_1.SimError && (e.code === 'HEAP_TOO_SMALL' || e.code === 'HEAP_TOO_LARGE'))
            return { device: dev.name, heapBytes, params, error: `${e.message} (${e.code})` };
        throw e;
    }
    return {
        device: dev.name,
        heapBytes,
        params,
        fixedMetadataBytes: a.fixedMetadataBytes(),
        footprints: SAMPLE_SIZES.map((request) => ({ request, bytes: a.blockFootprint(request) })),
    };
}
function formatAllocator(f, layout) {
    const out = [];
    out.push(`${f.name}: ${f.summary}`);
    out.push(`  moving: ${f.moving ? 'yes (handles, lock/unlock, compaction)' : 'no (the handle is the payload address)'}`);
    out.push(`  heaps: ${f.multiHeap ? 'every heap of the device' : 'the first heap of the device'}`);
    out.push('');
    if (f.params.length === 0)
        out.push('Parameters: none');
    else {
        out.push(layout ? `Parameters (value on ${layout.device} after flag > device > default):` : 'Parameters:');
        const rows = [['NAME', 'DEFAULT', ...(layout ? ['VALUE'] : []), 'CHOICES', 'TUNE SPACE', 'DESCRIPTION']];
        for (const p of f.params)
            rows.push([p.name, String(p.default), ...(layout ? [String(layout.params[p.name])] : []), p.choices ? p.choices.join('|') : '-', (0, alloc_1.describeSpace)(p.space), p.description]);
        out.push(...columns(rows).map((l) => `  ${l}`));
    }
    if (f.runKnobs?.length) {
        out.push('');
        out.push('Run settings tune also searches:');
        out.push(...columns([['FLAG', 'TUNE SPACE', 'DESCRIPTION'], ...f.runKnobs.map((k) => [`--${k.flag}`, k.values.map(String).join('|'), k.description])]).map((l) => `  ${l}`));
    }
    if (layout?.error !== undefined) {
        out.push('');
        out.push(`Layout on ${layout.device} (${layout.heapBytes} bytes of heap): cannot be created: ${layout.error}`);
    }
    else if (layout?.footprints) {
        out.push('');
        out.push(`Layout on ${layout.device} (${layout.heapBytes} bytes of heap): fixed metadata ${layout.fixedMetadataBytes} bytes`);
        const rows = [['REQUEST', ...layout.footprints.map((x) => String(x.request))], ['BLOCK BYTES', ...layout.footprints.map((x) => fmt(x.bytes))]];
        out.push(...columns(rows).map((l) => `  ${l}`));
    }
    return out.join('\n') + '\n';
}
const fmt = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
exports.allocatorsCommand = {
    command: 'allocators [name]',
    describe: 'list the allocators with their parameters, or show one (with --device: values and layout on that device)',
    builder: (y) => y
        .positional('name', { type: 'string', describe: 'an allocator name (e.g. buddy)' })
        .option('device', { type: 'string', describe: 'show parameter values and block sizes on this device (name or .json path)' })
        .option('param', { type: 'string', array: true, describe: 'allocator parameter name=value (repeatable; needs a name)' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON ({ schema: 1, ... })' })
        .example('$0 allocators', 'one line per allocator')
        .example('$0 allocators slab --device nds', 'slab parameters and block sizes on the DS')
        .example('$0 allocators buddy --device avr-uno --param min-order=4', 'effect of a parameter'),
    handler: (0, common_1.handler)((args) => {
        const flags = (0, common_1.parseParamFlags)(args.param);
        if (args.name === undefined) {
            const fs = (0, alloc_1.allocatorNames)().map(alloc_1.getFactory);
            if (args.json) {
                const list = fs.map((f) => ({ name: f.name, summary: f.summary, moving: f.moving, multiHeap: f.multiHeap, params: f.params }));
                process.stdout.write(JSON.stringify({ schema: 1, allocators: list }, null, 2) + '\n');
            }
            else
                process.stdout.write(formatAllocatorList(fs));
            return 0;
        }
        const f = (0, alloc_1.getFactory)(args.name);
        const layout = args.device !== undefined ? layoutOn(f, args.device, flags) : undefined;
        if (layout === undefined && Object.keys(flags).length)
            (0, alloc_1.resolveParams)(f, undefined, flags);
        if (args.json) {
            const o = { schema: 1, name: f.name, summary: f.summary, moving: f.moving, multiHeap: f.multiHeap, params: f.params, layout };
            process.stdout.write(JSON.stringify(o, null, 2) + '\n');
        }
        else
            process.stdout.write(formatAllocator(f, layout));
        return 0;
    }),
};
