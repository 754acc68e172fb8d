import { z } from 'zod';
import { parseSize } from '../util';

/** A byte count or address: a number or a string like "4MiB" / "0x02000000". */
const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseSize(v);
  if (Number.isNaN(n)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a byte count or address (e.g. 65536, "64KiB", "0x10000")` });
    return z.NEVER;
  }
  return n;
});

const cycles = z.number().int().nonnegative();

/**
 * Processor cores the CPU cost table (src/bus/cpu.ts) knows: what a bit scan, a multiply, ...
 * cost there. A profile without `cpu.core` is costed as `generic` (no bit-scan instruction).
 */
export const CPU_CORES = ['armv5te', 'armv7e-m', 'armv4t', 'armv6-m', 'xtensa-lx106', 'xtensa-lx6', 'avr', 'm68000', 'generic'] as const;
export type CpuCore = (typeof CPU_CORES)[number];
const width = z.literal([8, 16, 32]);

/**
 * Access costs in CPU cycles (not bus cycles: a 33 MHz bus cycle on a 67 MHz ARM9 is 2).
 * n = non-sequential (first access of a burst), s = sequential. The bus width's pair is required;
 * other widths may be omitted: an access wider than the bus is split into one N and then S
 * accesses of the bus width; a narrower one costs the bus-width access.
 */
const accessCosts = z
  .object({
    n8: cycles.optional(), s8: cycles.optional(),
    n16: cycles.optional(), s16: cycles.optional(),
    n32: cycles.optional(), s32: cycles.optional(),
  })
  .strict();

export const regionSchema = z
  .object({
    name: z.string().min(1),
    base: size,
    size: size,
    busBits: width,
    cycles: accessCosts,
    /**
     * Write costs when they differ from reads. When given it is a complete spec of its own (its
     * bus-width pair is required); widths it omits are derived from its own bus-width pair.
     */
    writeCycles: accessCosts.optional(),
    /**
     * Which access widths the region accepts for writes (e.g. GBA slot-2 RAM: [16]). A 32-bit
     * store to a region that takes 16 but not 32 is carried as two halfword stores (the bus
     * splits it); a width below every accepted one is a BusFault.
     */
    writeWidths: z.array(width).nonempty().optional(),
    description: z.string().optional(),
  })
  .strict();

export const heapSchema = z
  .object({
    name: z.string().min(1).optional(),
    region: z.string().min(1),
    offset: size,
    size: size,
    description: z.string().optional(),
  })
  .strict();

export const deviceSchema = z
  .object({
    name: z.string().min(1),
    /** One line for `rmalloc-sim devices` (what hardware, what OS). */
    summary: z.string().min(1).max(80).optional(),
    /** What hardware, what OS, the sources of the numbers; estimates marked as estimates. */
    description: z.string().min(1),
    cpu: z
      .object({
        name: z.string().min(1),
        /** The core, for the CPU cost table (ALU work: bit scans, multiply); default generic. */
        core: z.enum(CPU_CORES).optional(),
        clockHz: z.number().positive(),
        busClockHz: z.number().positive().optional(),
        /** Register width in bytes: the unit a word-at-a-time memmove moves. */
        wordBytes: z.literal([1, 2, 4, 8]),
        /** Size of a pointer as allocators store it (2 on AVR, 4 on 32-bit cores). */
        pointerBytes: z.literal([2, 4]),
        endianness: z.enum(['little', 'big']),
        /**
         * The largest alignment any access needs: an access of w bytes must sit on a multiple of
         * min(w, accessAlignment). Default 4 (natural alignment up to 32 bits). The 68000 needs
         * only even addresses for words and longs (2); an 8-bit AVR has no alignment at all (1).
         */
        accessAlignment: z.literal([1, 2, 4]).optional(),
        /** What a misaligned 16/32-bit access does: a bus fault, or a split into byte accesses. */
        unaligned: z.enum(['fault', 'split']),
        /** Cycles of loop overhead a memmove spends per burst (besides the bus accesses). Default 2. */
        copyLoopCycles: cycles.optional(),
        /** Bytes a memmove moves per burst (an LDM/STM group). Default 16. */
        copyBurstBytes: z.number().int().positive().optional(),
        /**
         * ESTIMATE: CPU cycles of ALU work per executed wasm instruction, for C allocators
         * compiled to wasm32 (src/wasm). Default 0.25: stack-machine code has about two wasm
         * instructions per native one (local.get/set mostly become register names), and about
         * half of the native ones are loads, stores and address arithmetic folded into them,
         * whose time the bus already charges.
         */
        wasmCyclesPerInstruction: z.number().positive().optional(),
      })
      .strict(),
    regions: z.array(regionSchema).nonempty(),
    /**
     * The core's data cache in front of the listed regions (src/bus/cache.ts), on by default
     * (--no-cache: the uncached worst case); or `{ "none": "why" }` for hardware without one.
     */
    dataCache: z
      .union([
        z
          .object({
            sizeBytes: size,
            ways: z.number().int().positive(),
            lineBytes: z.number().int().positive(),
            replacement: z.enum(['random', 'round-robin']),
            write: z.enum(['write-back', 'write-through']),
            regions: z.array(z.string().min(1)).nonempty(),
            hitCycles: cycles.optional(),
            dirtyParts: z.number().int().positive().optional(),
            description: z.string().optional(),
          })
          .strict(),
        z.object({ none: z.string().min(1) }).strict(),
      ])
      .optional(),
    heaps: z.array(heapSchema).nonempty(),
    /** The alignment every returned payload address must have (what the platform's malloc guarantees). */
    alignment: z.number().int().positive(),
    allocators: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]))).optional(),
  })
  .strict();

export type DeviceProfile = z.output<typeof deviceSchema>;
export type RegionSpec = z.output<typeof regionSchema>;
export type HeapSpec = z.output<typeof heapSchema>;
