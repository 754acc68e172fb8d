"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.tracePointerBytes = tracePointerBytes;
exports.pointerSizeWarning = pointerSizeWarning;
exports.warnPointerSizes = warnPointerSizes;
const POINTER_LINE = /^\s*pointer-bytes:\s*(\d+)\s*$/;
/** The header's pointer size in bytes, or null when the header does not say. */
function tracePointerBytes(header) {
    for (const h of header) {
        const m = POINTER_LINE.exec(h);
        if (m !== null)
            return Number(m[1]);
    }
    return null;
}
/** The warning for a trace replayed on a device of another pointer size, or null. */
function pointerSizeWarning(info, device) {
    const bytes = tracePointerBytes(info.header);
    if (bytes === null || bytes === device.cpu.pointerBytes)
        return null;
    return `${info.path}: a trace of ${bytes}-byte pointers (pointer-bytes: ${bytes}) replayed on the ${device.name}, which has ${device.cpu.pointerBytes}-byte pointers: blocks of structures that hold pointers are ${bytes > device.cpu.pointerBytes ? 'larger' : 'smaller'} than on the device (POINTER_SIZE warning)`;
}
const warned = new Set();
/** Writes each trace's pointer-size warning to stderr, once per trace and device per process. */
function warnPointerSizes(traces, device) {
    for (const t of traces) {
        const w = pointerSizeWarning(t.info, device);
        const key = `${device.name}\0${t.info.path}`;
        if (w === null || warned.has(key))
            continue;
        warned.add(key);
        process.stderr.write(`rmalloc-sim: ${w}\n`);
    }
}
