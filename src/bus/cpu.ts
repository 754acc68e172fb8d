/**
 * The CPU cost table: the ALU work an allocator does, in CPU cycles, per processor core.
 *
 * Memory accesses are charged from the device's region table (see memory.ts); everything an
 * allocator computes between them is charged here, through named bus calls that every allocator
 * uses alike: `bus.fls()` and `bus.ffs()` for bit scans, `bus.alu(kind)` for the other named
 * operations, and `bus.work(n)` for n simple single-cycle instructions (add, shift, logic, move).
 *
 * The device profile names its core (`cpu.core`); a profile without one gets `generic`, a
 * 32-bit core without a bit-scan instruction (the conservative choice).
 *
 * Figures are CPU cycles. Sources, or "estimate" where the figure is ours:
 * - fls (index of the highest set bit) and ffs (index of the lowest set bit).
 *   Cores with a count-leading-zeros instruction (ARMv5TE and later: CLZ, 1 cycle, ARM946E-S
 *   and Cortex-M4 technical reference manuals; Xtensa LX106/LX6: NSAU, 1 cycle, Xtensa ISA
 *   reference, XCHAL_HAVE_NSA = 1 in the ESP8266 and ESP32 core-isa.h): fls = CLZ + RSB = 2,
 *   ffs = RSB + AND + CLZ + RSB = 4 (x & -x isolates the lowest bit, then fls).
 *   Cores without one (ARMv4T, ARMv6-M, 68000, AVR) run Conte's generic tlsf_fls, a 5-step
 *   binary search of compare, branch, shift and add (about 4 cycles a step): fls = 20 + 2 = 22,
 *   ffs = fls(x & -x) + 3 = 25 (estimate). On the 68000 shifts cost 6 + 2n cycles, about 2.5×
 *   a RISC step: 55 / 63 (estimate). On an 8-bit AVR every 32-bit step is four byte operations:
 *   ×4, 88 / 100 (estimate).
 * - mul: a 32×32→32 multiply. ARM946E-S MUL 2 (ARM9E-S TRM: 1 issue cycle plus 1 result
 *   interlock; estimate for back-to-back use); ARM7TDMI 1 + m with m = 1..4 by the multiplier's
 *   significant bytes: 3 (ARM7TDMI TRM, typical small multiplier: estimate); Cortex-M4 MUL 1
 *   (Cortex-M4 TRM); Xtensa MULL 2 (estimate); AVR __mulsi3 from 8×8 MULs: 40 (estimate);
 *   68000 __mulsi3 from three MULU.W (38..70 each): 150 (estimate).
 * - cmpBranch: a compare and a conditional branch, 2 on every core (the RISC rule of one
 *   cycle an instruction that the whole cycle model uses: estimate; a taken branch costs more on
 *   ARM9 and the 68000, so this undercharges branchy loops everywhere alike).
 */
import type { CpuCore, DeviceProfile } from '../device';

/** Named ALU operations charged with `bus.alu(kind)`. */
export type AluKind = 'mul' | 'cmpBranch';

export interface CpuCosts {
  /** Key of the table row. */
  core: CpuCore;
  /** How the core finds a set bit: a count-leading-zeros instruction, or a software loop. */
  bitScan: 'clz' | 'nsau' | 'software' | 'software (8-bit)' | 'software (68000)';
  /** Cycles of fls (index of the highest set bit). */
  fls: number;
  /** Cycles of ffs (index of the lowest set bit). */
  ffs: number;
  /** Cycles of a 32×32 multiply. */
  mul: number;
  /** Cycles of a compare and conditional branch. */
  cmpBranch: number;
}

const clz = { bitScan: 'clz', fls: 2, ffs: 4, cmpBranch: 2 } as const;
const nsau = { bitScan: 'nsau', fls: 2, ffs: 4, cmpBranch: 2 } as const;
const soft = { bitScan: 'software', fls: 22, ffs: 25, cmpBranch: 2 } as const;

/** The table (see the header for each figure's source). */
export const CPU_COSTS: Readonly<Record<CpuCore, CpuCosts>> = {
  'armv5te': { core: 'armv5te', ...clz, mul: 2 },
  'armv7e-m': { core: 'armv7e-m', ...clz, mul: 1 },
  'armv4t': { core: 'armv4t', ...soft, mul: 3 },
  'armv6-m': { core: 'armv6-m', ...soft, mul: 1 },
  'xtensa-lx106': { core: 'xtensa-lx106', ...nsau, mul: 2 },
  'xtensa-lx6': { core: 'xtensa-lx6', ...nsau, mul: 2 },
  'avr': { core: 'avr', bitScan: 'software (8-bit)', fls: 88, ffs: 100, mul: 40, cmpBranch: 2 },
  'm68000': { core: 'm68000', bitScan: 'software (68000)', fls: 55, ffs: 63, mul: 150, cmpBranch: 2 },
  'generic': { core: 'generic', ...soft, mul: 3 },
};

/** The cost row of a device's core (`generic` when the profile names none). */
export function cpuCosts(dev: DeviceProfile): CpuCosts {
  return CPU_COSTS[dev.cpu.core ?? 'generic'];
}
