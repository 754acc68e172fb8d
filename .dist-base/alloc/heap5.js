"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.heap5Factory = void 0;
/**
 * heap5: FreeRTOS heap_5, heap_4's algorithm over several memory regions.
 *
 * How it works. Followed: the FreeRTOS kernel's portable/MemMang/heap_5.c and the FreeRTOS
 * "Memory Management" page (vPortDefineHeapRegions). Our own code, shared with heap4 in
 * heap4.ts (FreeRtosHeap); see that file for the block layout, costs and statics.
 *
 * The device's heaps[] are passed to vPortDefineHeapRegions in address order (FreeRTOS requires
 * ascending addresses). Each region gets one free block and its own zero-size end marker; the
 * marker of region i links to the first free block of region i+1, so one address-ordered first-
 * fit list spans all regions (e.g. stm32f4: CCM at 0x10000000 before SRAM at 0x20000000;
 * nds-slot2: main RAM before the slot-2 expansion RAM). A block never spans two regions. The
 * statics (xStart, pxEnd, counters) sit at the start of the lowest region.
 */
const heap4_1 = require("./heap4");
exports.heap5Factory = {
    name: 'heap5',
    summary: 'FreeRTOS heap_5: heap_4 over every heap region of the device (vPortDefineHeapRegions, address order)',
    moving: false,
    multiHeap: true,
    params: [],
    create: (ctx) => new heap4_1.FreeRtosHeap(ctx, 'heap5'),
};
