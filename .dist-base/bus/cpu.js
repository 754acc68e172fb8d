"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CPU_COSTS = void 0;
exports.cpuCosts = cpuCosts;
const clz = { bitScan: 'clz', fls: 2, ffs: 4, cmpBranch: 2 };
const nsau = { bitScan: 'nsau', fls: 2, ffs: 4, cmpBranch: 2 };
const soft = { bitScan: 'software', fls: 22, ffs: 25, cmpBranch: 2 };
/** The table (see the header for each figure's source). */
exports.CPU_COSTS = {
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
function cpuCosts(dev) {
    return exports.CPU_COSTS[dev.cpu.core ?? 'generic'];
}
