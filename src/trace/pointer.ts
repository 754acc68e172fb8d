/**
 * The pointer size a trace was recorded with (design §6): the `# pointer-bytes: N` header line
 * that the recorder writes (4 for a 32-bit build, 8 for a 64-bit one) and the synthetic
 * generator sets to the class of target it models. A trace recorded with another pointer size
 * than the device's asks for other block sizes than the device's build of the same program
 * would (every structure that holds pointers or size_t): the CLI warns once per trace.
 */
import type { TraceInfo } from './types';

const POINTER_LINE = /^\s*pointer-bytes:\s*(\d+)\s*$/;

/** The header's pointer size in bytes, or null when the header does not say. */
export function tracePointerBytes(header: readonly string[]): number | null {
  for (const h of header) {
    const m = POINTER_LINE.exec(h);
    if (m !== null) return Number(m[1]);
  }
  return null;
}

/** The warning for a trace replayed on a device of another pointer size, or null. */
export function pointerSizeWarning(info: TraceInfo, device: { name: string; cpu: { pointerBytes: number } }): string | null {
  const bytes = tracePointerBytes(info.header);
  if (bytes === null || bytes === device.cpu.pointerBytes) return null;
  return `${info.path}: a trace of ${bytes}-byte pointers (pointer-bytes: ${bytes}) replayed on the ${device.name}, which has ${device.cpu.pointerBytes}-byte pointers: blocks of structures that hold pointers are ${bytes > device.cpu.pointerBytes ? 'larger' : 'smaller'} than on the device (POINTER_SIZE warning)`;
}

const warned = new Set<string>();

/** Writes each trace's pointer-size warning to stderr, once per trace and device per process. */
export function warnPointerSizes(traces: readonly { info: TraceInfo }[], device: { name: string; cpu: { pointerBytes: number } }): void {
  for (const t of traces) {
    const w = pointerSizeWarning(t.info, device);
    const key = `${device.name}\0${t.info.path}`;
    if (w === null || warned.has(key)) continue;
    warned.add(key);
    process.stderr.write(`rmalloc-sim: ${w}\n`);
  }
}
