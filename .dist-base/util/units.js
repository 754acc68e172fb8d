"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.alignDown = exports.alignUp = exports.isPowerOfTwo = void 0;
exports.parseSize = parseSize;
exports.requireSize = requireSize;
exports.formatBytes = formatBytes;
exports.hex = hex;
const errors_1 = require("../errors");
const UNITS = {
    '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
    g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
};
/**
 * Parses a byte count or address: a number, "0x02000000", "4MiB", "16 KiB", "1.5M".
 * Binary units throughout (KB = KiB): memory maps are powers of two. Returns NaN on bad input.
 */
function parseSize(v) {
    if (typeof v === 'number')
        return Number.isSafeInteger(v) && v >= 0 ? v : NaN;
    const s = v.trim();
    if (/^0x[0-9a-f]+$/i.test(s))
        return parseInt(s.slice(2), 16);
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(s);
    if (!m)
        return NaN;
    const mult = UNITS[(m[2] ?? '').toLowerCase()];
    if (mult === undefined)
        return NaN;
    const n = Number(m[1]) * mult;
    return Number.isSafeInteger(n) ? n : NaN;
}
/** Like parseSize but throws a SimError naming what was being parsed. */
function requireSize(v, what) {
    const n = parseSize(v);
    if (Number.isNaN(n))
        throw new errors_1.SimError('USAGE', `${what}: "${v}" is not a byte count (e.g. 65536, 64KiB, 0x10000)`);
    return n;
}
/** Human-readable bytes: 512 B, 12.0 KiB, 3.50 MiB. */
function formatBytes(n) {
    const a = Math.abs(n);
    if (a < 1024)
        return `${n} B`;
    if (a < 1024 ** 2)
        return `${(n / 1024).toFixed(a < 10 * 1024 ? 2 : 1)} KiB`;
    if (a < 1024 ** 3)
        return `${(n / 1024 ** 2).toFixed(2)} MiB`;
    return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
function hex(n, digits = 8) {
    return '0x' + n.toString(16).padStart(digits, '0');
}
const isPowerOfTwo = (n) => Number.isSafeInteger(n) && n > 0 && Number.isInteger(Math.log2(n));
exports.isPowerOfTwo = isPowerOfTwo;
const alignUp = (n, a) => Math.ceil(n / a) * a;
exports.alignUp = alignUp;
const alignDown = (n, a) => Math.floor(n / a) * a;
exports.alignDown = alignDown;
