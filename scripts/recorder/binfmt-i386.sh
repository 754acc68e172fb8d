#!/bin/sh
# Lets a kernel without IA-32 emulation run i386 programs (the 32-bit builds that
# scripts/record-all.sh records): registers qemu-i386-static with binfmt_misc, so every i386
# ELF runs through user-mode emulation. The program's own code, its C library and the recorder's
# 32-bit interposer all run as i386 code: the heap calls are those of the 32-bit build.
# Needs root and Debian's qemu-user-static. The registration lasts until the next reboot.
set -eu
QEMU=${QEMU:-/usr/bin/qemu-i386-static}
BINFMT=/proc/sys/fs/binfmt_misc
[ -x "$QEMU" ] || { echo "binfmt-i386: $QEMU is missing: apt-get install qemu-user-static" >&2; exit 1; }
[ -e "$BINFMT/register" ] || mount -t binfmt_misc binfmt_misc "$BINFMT"
if [ -e "$BINFMT/qemu-i386" ]; then
  echo "binfmt-i386: already registered: $(sed -n 2p "$BINFMT/qemu-i386")" >&2
  exit 0
fi
# ELF32, little-endian, version 1, ET_EXEC or ET_DYN, EM_386. F: the kernel opens $QEMU now;
# P: the program keeps its argv[0] (qemu reads the AT_FLAGS bit that says so).
printf '%s' ":qemu-i386:M::\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00:\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:$QEMU:PF" >"$BINFMT/register"
echo "binfmt-i386: i386 programs now run through $QEMU" >&2
