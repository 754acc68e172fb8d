import { z } from 'zod';
import { parseSize } from '../util/units';

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
 * Access costs in CPU cycles. n = non-sequential (first access of a burst), s = sequential.
 * Widths the bus does not carry natively may be omitted: an access wider than the bus is split
 * into one N and then S accesses of the bus width; a narrower one costs the bus-width access.
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
    busBits: z.union([z.literal(8), z.literal(16), z.literal(32)]),
    cycles: accessCosts,
    /** Write costs when they differ from reads. */
    writeCycles: accessCosts.optional(),
    /** Which access widths the region accepts for writes (e.g. GBA slot-2 RAM: 16 only). */
    writeWidths: z.array(z.union([z.literal(8), z.literal(16), z.literal(32)])).nonempty().optional(),
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
    description: z.string().min(1),
    cpu: z
      .object({
        name: z.string().optional(),
        clockHz: z.number().positive(),
        busClockHz: z.number().positive().optional(),
        wordBytes: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]),
        /** Size of a pointer as allocators store it (2 on AVR, 4 on 32-bit cores). */
        pointerBytes: z.union([z.literal(2), z.literal(4)]),
        endianness: z.enum(['little', 'big']),
        /** What an unaligned 16/32-bit access does: a bus fault, or a split into byte accesses. */
        unaligned: z.enum(['fault', 'split']),
        /** Cycles of loop overhead a memmove spends per burst (besides the bus accesses). */
        copyLoopCycles: cycles.optional(),
        /** Bytes a memmove moves per burst (an LDM/STM group). Default 16. */
        copyBurstBytes: z.number().int().positive().optional(),
      })
      .strict(),
    regions: z.array(regionSchema).nonempty(),
    heaps: z.array(heapSchema).nonempty(),
    alignment: z.number().int().positive(),
    allocators: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]))).optional(),
  })
  .strict();

export type DeviceProfile = z.output<typeof deviceSchema>;
export type RegionSpec = z.output<typeof regionSchema>;
export type HeapSpec = z.output<typeof heapSchema>;
