"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.badNumberFlag = badNumberFlag;
exports.spoolTraceArgs = spoolTraceArgs;
/**
 * Checks the CLI runs on every command before its handler (yargs middleware, see src/cli.ts):
 * - a number option given text: yargs has already turned it into NaN, so the message is built
 *   from the raw argument the user typed (`--jobs: "abc" is not a number`), quoted and cut;
 * - trace inputs that are pipes (`-t -`, `-t <(zcat T)`, FIFOs) are spooled to a temporary
 *   file first (src/trace/spool.ts).
 */
const errors_1 = require("../errors");
const spool_1 = require("../trace/spool");
function camel(s) {
    return s.replace(/-([a-z])/g, (_m, c) => c.toUpperCase());
}
function isNaNValue(v) {
    if (typeof v === 'number')
        return Number.isNaN(v);
    if (Array.isArray(v))
        return v.some((x) => typeof x === 'number' && Number.isNaN(x));
    return false;
}
/**
 * The message for the first number option whose parsed value is NaN, naming the flag as typed
 * and the text given; undefined when every number option parsed.
 */
function badNumberFlag(raw, argv) {
    if (!Object.values(argv).some(isNaNValue))
        return undefined;
    for (let i = 0; i < raw.length; i++) {
        const t = raw[i];
        if (t === '--')
            break;
        const m = /^(--?)([^=]+)(?:=(.*))?$/s.exec(t);
        if (!m)
            continue;
        const name = m[2];
        if (!isNaNValue(argv[name]) && !isNaNValue(argv[camel(name)]))
            continue;
        const value = m[3] ?? raw[i + 1];
        const flag = `${m[1]}${name}`;
        if (value === undefined || (m[3] === undefined && /^-[^0-9.]/.test(value)))
            return `${flag} needs a number`;
        if (Number.isNaN(Number(value)) || value.trim() === '')
            return `${flag}: ${(0, errors_1.quote)(value)} is not a number`;
    }
    return 'a number option was given something that is not a number';
}
/** Spools the `trace` option's pipe inputs, if any. */
async function spoolTraceArgs(argv) {
    const t = argv['trace'];
    const list = Array.isArray(t) ? t : t === undefined ? [] : [t];
    await (0, spool_1.spoolInputs)(list.map((x) => String(x)));
}
