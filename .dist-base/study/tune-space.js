"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.dimensionsOf = dimensionsOf;
exports.valuesOf = valuesOf;
exports.gridSize = gridSize;
exports.gridSettings = gridSettings;
exports.defaultSetting = defaultSetting;
exports.settingKey = settingKey;
exports.normSizeList = normSizeList;
exports.dimensionsOfName = dimensionsOfName;
/**
 * An allocator's tune space, read from its registry entry: the parameters that declare a
 * `space` and the run settings it lists in `runKnobs` (src/alloc/types.ts). A setting is one
 * value per dimension; its key (`name=value` pairs in declaration order) identifies it.
 *
 * Discrete dimensions (choice, int, pow2, the run knobs) enumerate; a `sizeList` (slab's
 * classes) cannot be enumerated in reasonable time and makes the space "large".
 */
const alloc_1 = require("../alloc");
function dimensionsOf(f) {
    const dims = [];
    for (const p of f.params)
        if (p.space)
            dims.push({ name: p.name, kind: 'param', space: p.space, default: p.default });
    for (const k of f.runKnobs ?? [])
        dims.push({ name: k.flag, kind: 'run', space: { kind: 'choice', values: k.values }, default: 'off' });
    return dims;
}
/** Every value of a discrete space, in declaration order; undefined for a sizeList. */
function valuesOf(s) {
    switch (s.kind) {
        case 'choice':
            return [...s.values];
        case 'int': {
            const out = [];
            for (let v = s.min; v <= s.max; v += s.step ?? 1)
                out.push(v);
            return out;
        }
        case 'pow2': {
            const out = [];
            for (let v = s.min; v <= s.max; v *= 2)
                out.push(v);
            return out;
        }
        case 'sizeList':
            return undefined;
    }
}
/** Number of settings a grid would visit; Infinity when a dimension is a sizeList. */
function gridSize(dims) {
    let n = 1;
    for (const d of dims) {
        const v = valuesOf(d.space);
        if (!v)
            return Infinity;
        n *= v.length;
    }
    return n;
}
/** Every setting of a discrete space (the exhaustive grid), first dimension slowest. */
function gridSettings(dims) {
    let out = [{}];
    for (const d of dims) {
        const vals = valuesOf(d.space);
        if (!vals)
            throw new Error(`gridSettings: ${d.name} is not discrete`);
        const next = [];
        for (const s of out)
            for (const v of vals)
                next.push({ ...s, [d.name]: v });
        out = next;
    }
    return out;
}
/** The default setting: every dimension at its default. */
function defaultSetting(dims) {
    const s = {};
    for (const d of dims)
        s[d.name] = d.default;
    return s;
}
/** A stable key for a setting (dimension order). */
function settingKey(dims, s) {
    return dims.map((d) => `${d.name}=${String(s[d.name])}`).join(' ');
}
/** Normalises a size list: integers rounded up to `align`, distinct, ascending, as "a,b,c". */
function normSizeList(sizes, align) {
    const r = [...new Set(sizes.map((n) => Math.ceil(n / align) * align))].sort((a, b) => a - b);
    return r.join(',');
}
/** The dimensions of an allocator by name. */
function dimensionsOfName(name) {
    return dimensionsOf((0, alloc_1.getFactory)(name));
}
