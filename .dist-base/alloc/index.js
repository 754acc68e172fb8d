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
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.registry = void 0;
exports.allocatorNames = allocatorNames;
exports.getFactory = getFactory;
exports.resolveParams = resolveParams;
exports.createAllocator = createAllocator;
exports.describeSpace = describeSpace;
/**
 * The allocator registry: an explicit map from name to factory. Add one line per allocator.
 */
const errors_1 = require("../errors");
__exportStar(require("./types"), exports);
const FACTORIES = [
    // registry: one line per allocator (keep this comment; helpers add lines below it)
    require('./dlmalloc').dlmallocFactory,
    require('./uclibc').uclibcFactory,
    require('./heap4').heap4Factory,
    require('./heap5').heap5Factory,
    require('./rmalloc').rmallocFactory,
    require('./rmalloc-gen').rmallocGenFactory,
    require('./umm').ummFactory,
    require('./first-fit').firstFitFactory,
    require('./next-fit').nextFitFactory,
    require('./best-fit').bestFitFactory,
    require('./buddy').buddyFactory,
    require('./slab').slabFactory,
    require('./tlsf').tlsfFactory,
];
exports.registry = new Map(FACTORIES.map((f) => [f.name, f]));
function allocatorNames() {
    return [...exports.registry.keys()];
}
function getFactory(name) {
    // C allocators (src/wasm): built by the CLI before any command runs, found here by name.
    const f = exports.registry.get(name) ?? require('../wasm').cAllocatorFactory(name);
    if (!f)
        throw new errors_1.SimError('ALLOCATOR_UNKNOWN', `unknown allocator "${name}"; known: ${allocatorNames().join(', ')}`);
    return f;
}
/**
 * Resolves parameters with precedence flag > device profile > default, checking names and types.
 */
function resolveParams(f, fromDevice, fromFlags) {
    const out = {};
    for (const p of f.params)
        out[p.name] = p.default;
    for (const [src, given] of [['device profile', fromDevice], ['command line', fromFlags]]) {
        if (!given)
            continue;
        for (const [k, v] of Object.entries(given)) {
            const spec = f.params.find((p) => p.name === k);
            if (!spec)
                throw new errors_1.SimError('ALLOCATOR_PARAM', `${src}: allocator ${f.name} has no parameter "${k}"${f.params.length ? `; it has: ${f.params.map((p) => p.name).join(', ')}` : ''}`);
            out[k] = coerce(f.name, spec.name, spec.default, spec.choices, v, src);
        }
    }
    return out;
}
function coerce(alloc, name, def, choices, v, src) {
    const bad = (why) => {
        throw new errors_1.SimError('ALLOCATOR_PARAM', `${src}: ${alloc} parameter ${name}=${String(v)}: ${why}`);
    };
    if (typeof def === 'number') {
        const n = typeof v === 'number' ? v : Number(v);
        if (!Number.isFinite(n))
            bad('expected a number');
        return n;
    }
    if (typeof def === 'boolean') {
        if (typeof v === 'boolean')
            return v;
        if (v === 'true' || v === '1')
            return true;
        if (v === 'false' || v === '0')
            return false;
        return bad('expected true or false');
    }
    const s = String(v);
    if (choices && !choices.includes(s))
        bad(`expected one of ${choices.join(', ')}`);
    return s;
}
/** Creates an allocator on `bus` over `heaps` (all of them if multi-heap, else the first). */
function createAllocator(name, bus, heaps, alignment, params) {
    const f = getFactory(name);
    return f.create({ bus, heaps: f.multiHeap ? heaps : heaps.slice(0, 1), alignment, params });
}
/** A parameter's tune space in one short phrase ("-" when it is not tuned). */
function describeSpace(s) {
    if (!s)
        return '-';
    switch (s.kind) {
        case 'choice':
            return s.values.map(String).join('|');
        case 'int':
            return `${s.min}..${s.max}${s.step && s.step !== 1 ? ` step ${s.step}` : ''}`;
        case 'pow2':
            return `${s.min}..${s.max} (powers of 2)`;
        case 'sizeList':
            return `1-${s.maxCount} sizes in ${s.min}..${s.max}`;
    }
}
