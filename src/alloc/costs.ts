/**
 * ALU charges that several allocator models share: an instruction sequence that more than one
 * allocator computes alike is charged here, once, so every model pays the same for it.
 *
 * The costs themselves live in the CPU cost table (src/bus/cpu.ts): `m.work(n)` is n simple
 * one-cycle instructions (add, sub, shift, logic, move), `m.alu('cmpBranch')` a compare and a
 * conditional branch (or select), `m.alu('mul')` a multiply, `m.fls()` / `m.ffs()` bit scans.
 * Charging an allocator's other steps: the line says which instructions the charge stands for.
 */
import type { MemPort } from '../bus';

/** roundUp(x + H, G) for a power-of-two G: one add (H + G − 1 folded into one constant), one mask. */
export function chargeRoundUp(m: MemPort): void {
  m.work(2);
}

/**
 * The block size of a request, need = max(MIN, roundUp(n + H, G)): the free-list allocators'
 * need, dlmalloc's request2size, TLSF's adjust_request_size, uClibc's HEAP_ADJUST_SIZE with its
 * minimum. roundUp (add, mask), then the compare with the minimum and its select
 * (`x < MIN ? MIN : x`), charged as a compare-and-branch.
 */
export function chargeRequestSize(m: MemPort): void {
  chargeRoundUp(m);
  m.alu('cmpBranch');
}
