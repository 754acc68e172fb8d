#!/usr/bin/env bash
# Re-records every bundled real trace in firmware-traces/ with `rmalloc-sim record`, and
# regenerates the synthetic ones (scripts/gen-synthetic.ts). One command:
#
#   scripts/record-all.sh            # all traces
#   scripts/record-all.sh lua-game   # only the named ones
#
# The real traces come from the i386 (32-bit) builds of the programs, like the 32-bit devices
# they model: Debian's i386 packages through multiarch, recorded with the interposer built
# `cc -m32` (`record --arch i386`). ARCH=x86_64 records the host's 64-bit builds instead.
#
# Installs nothing: it checks that the programs exist in the wanted architecture and says which
# Debian packages to install:
#   dpkg --add-architecture i386 && apt-get update
#   apt-get install gcc-multilib busybox:i386 lua5.4:i386 ed:i386 lighttpd:i386 \
#     libjpeg-turbo-progs:i386 flac:i386 bzip2:i386 curl
# A kernel without IA-32 emulation cannot run i386 programs: scripts/recorder/binfmt-i386.sh
# registers Debian's qemu-i386-static for them (user-mode emulation of the whole program).
# Inputs (a CSV log, a file tree, a JPEG, a WAV/FLAC, scripts) are generated deterministically in
# $WORK (default /tmp/rmalloc-sim-fw), and every program runs there, so the commands in the trace
# headers are short and the same on every machine. The HTTP burst uses 127.0.0.1:$PORT only.
#
# Environment: OUT (default firmware-traces/), WORK, PORT (default 18089), ARCH (default i386),
# RMALLOC_SIM (the CLI command; default ts-node on src/cli.ts).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/firmware-traces}
WORK=${WORK:-/tmp/rmalloc-sim-fw}
PORT=${PORT:-18089}
ARCH=${ARCH:-i386}
case "$ARCH" in
  i386) ELFCLASS=ELF32 DEBARCH=i386 ;;
  x86_64) ELFCLASS=ELF64 DEBARCH=amd64 ;;
  *) echo "record-all: ARCH must be i386 or x86_64, not $ARCH" >&2; exit 1 ;;
esac
if [ -n "${RMALLOC_SIM:-}" ]; then
  read -r -a RMS <<<"$RMALLOC_SIM"
else
  RMS=(env TS_NODE_TRANSPILE_ONLY=true TS_NODE_PROJECT="$ROOT/tsconfig.json" node "$ROOT/node_modules/ts-node/dist/bin.js" "$ROOT/src/cli.ts")
fi

# ---- what is needed ---------------------------------------------------------------------------
# program:debian-package
NEEDED="node:nodejs cc:gcc busybox:busybox lua5.4:lua5.4 ed:ed lighttpd:lighttpd curl:curl
djpeg:libjpeg-turbo-progs cjpeg:libjpeg-turbo-progs flac:flac bzip2:bzip2"
missing=()
for pair in $NEEDED; do
  prog=${pair%%:*}
  pkg=${pair#*:}
  command -v "$prog" >/dev/null 2>&1 || missing+=("$prog (apt-get install $pkg)")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "record-all: missing programs:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  echo "install them, e.g.: apt-get install busybox:$DEBARCH lua5.4:$DEBARCH ed:$DEBARCH lighttpd:$DEBARCH curl libjpeg-turbo-progs:$DEBARCH flac:$DEBARCH bzip2:$DEBARCH" >&2
  exit 1
fi
# The traced programs must be the $ARCH builds (curl, the HTTP client, is not traced).
TRACED="busybox:busybox lua5.4:lua5.4 ed:ed lighttpd:lighttpd djpeg:libjpeg-turbo-progs flac:flac bzip2:bzip2"
wrong=()
for pair in $TRACED; do
  prog=${pair%%:*}
  file=$(readlink -f "$(command -v "$prog")")
  class=$(od -An -tx1 -j4 -N1 "$file" | tr -d ' ')
  { [ "$class" = 01 ] && [ "$ELFCLASS" = ELF32 ]; } || { [ "$class" = 02 ] && [ "$ELFCLASS" = ELF64 ]; } || wrong+=("${pair#*:}:$DEBARCH")
done
if [ ${#wrong[@]} -gt 0 ]; then
  echo "record-all: these programs are not the $ARCH builds; install them:" >&2
  [ "$ARCH" = i386 ] && echo "  dpkg --add-architecture i386 && apt-get update" >&2
  echo "  apt-get install $(printf '%s\n' "${wrong[@]}" | sort -u | tr '\n' ' ')" >&2
  exit 1
fi
if [ "$ARCH" = i386 ]; then
  if ! busybox true 2>/dev/null; then
    echo "record-all: this kernel does not run i386 programs; run scripts/recorder/binfmt-i386.sh (as root) first" >&2
    exit 1
  fi
  if ! echo 'int main(void){return 0;}' | cc -m32 -x c -o /dev/null - 2>/dev/null; then
    echo "record-all: cc -m32 cannot build 32-bit code: apt-get install gcc-multilib" >&2
    exit 1
  fi
fi

ONLY=("$@")
want() {
  [ ${#ONLY[@]} -eq 0 ] && return 0
  local n
  for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}

# ---- inputs -----------------------------------------------------------------------------------
if [ -e "$WORK" ] && [ ! -e "$WORK/.rmalloc-sim-fw" ]; then
  echo "record-all: $WORK exists and was not made by this script; set WORK to another folder" >&2
  exit 1
fi
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
cd "$WORK"
touch .rmalloc-sim-fw

node - <<'EOF'
// Deterministic inputs: an LCG so the files are byte-identical everywhere.
const fs = require('fs');
const path = require('path');
let s = 12345;
const rnd = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x80000000; };
const words = 'sensor packet frame buffer heap block flash radio timer queue event kernel driver audio video touch screen stylus wifi cart'.split(' ');
let txt = '';
for (let i = 0; i < 20000; i++) txt += words[Math.floor(rnd() * words.length)] + (i % 12 === 11 ? '\n' : ' ');
fs.writeFileSync('text.txt', txt);
let csv = 'id,device,kind,value,ts\n';
for (let i = 0; i < 2000; i++) csv += `${i},dev${Math.floor(rnd() * 60)},${words[Math.floor(rnd() * words.length)]},${Math.floor(rnd() * 10000) / 10},${1700000000 + i * 7}\n`;
fs.writeFileSync('log.csv', csv);
// A file tree like a small device's root file system.
s = 7;
const parts = 'bin etc lib usr share doc man games dslinux nds fat cart sram rom app data cfg log tmp var www'.split(' ');
function mk(dir, depth) {
  fs.mkdirSync(dir, { recursive: true });
  const nf = 3 + Math.floor(rnd() * 12);
  for (let i = 0; i < nf; i++) fs.writeFileSync(path.join(dir, parts[Math.floor(rnd() * parts.length)] + '_' + i + (rnd() < 0.5 ? '.c' : '.txt')), 'x'.repeat(Math.floor(rnd() * 3000)));
  if (depth < 4) { const nd = 1 + Math.floor(rnd() * 4); for (let i = 0; i < nd; i++) mk(path.join(dir, parts[Math.floor(rnd() * parts.length)] + i), depth + 1); }
}
mk('tree', 0);
// Images: gradients, rings and noise (PPM, compressed by cjpeg below).
function ppm(name, w, h) {
  const b = Buffer.alloc(w * h * 3);
  let q = 99;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    q = (q * 1103515245 + 12345) & 0x7fffffff;
    const n = (q >> 16) & 31, i = (y * w + x) * 3, cx = x - w / 2, cy = y - h / 2;
    b[i] = (x * 255 / w + n) & 255; b[i + 1] = (128 + 127 * Math.sin(Math.sqrt(cx * cx + cy * cy) / 17)) & 255; b[i + 2] = (x ^ y) & 255;
  }
  fs.writeFileSync(name, Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`), b]));
}
ppm('big.ppm', 1600, 1200);
ppm('small.ppm', 320, 240);
// 20 s of 22.05 kHz stereo: two tones and noise.
const sr = 22050, n = sr * 20, data = Buffer.alloc(n * 4);
s = 5;
for (let i = 0; i < n; i++) {
  const t = i / sr; s = (s * 1103515245 + 12345) & 0x7fffffff; const noise = ((s >> 16) & 255) - 128;
  data.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 440 * t) * Math.sin(Math.PI * t) + noise * 4), i * 4);
  data.writeInt16LE(Math.round(6000 * Math.sin(2 * Math.PI * 660 * t + Math.sin(t * 3)) + noise * 3), i * 4 + 2);
}
const h = Buffer.alloc(44);
h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(2, 22); h.writeUInt32LE(sr, 24);
h.writeUInt32LE(sr * 4, 28); h.writeUInt16LE(4, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
fs.writeFileSync('tone.wav', Buffer.concat([h, data]));
// Web pages for the HTTP burst.
fs.mkdirSync('www');
for (let i = 0; i < 20; i++) fs.writeFileSync(`www/page${i}.html`, txt.slice(0, 200 + i * 700));
fs.writeFileSync('www/log.txt', csv);
EOF
cjpeg -progressive -quality 85 -outfile big.jpg big.ppm
cjpeg -quality 80 -outfile small.jpg small.ppm
flac -s -f -5 -o tone.flac tone.wav
cp text.txt edit.txt

cat >shell-work.sh <<'EOF'
# A BusyBox shell workload: functions, loops, case, eval, string and arithmetic expansion.
fib() { a=0; b=1; i=0; while [ $i -lt $1 ]; do t=$((a+b)); a=$b; b=$t; i=$((i+1)); done; echo $a; }
list=""
n=0
while [ $n -lt 300 ]; do
  list="$list item$n"
  case $((n % 3)) in 0) kind=fizz;; 1) kind=buzz;; *) kind=plain;; esac
  eval "var_$n=\$kind-$n"
  n=$((n+1))
done
for w in $list; do
  s=${w#item}
  [ $((s % 50)) -eq 0 ] && fib $((s / 10 + 5))
done
count=0
for v in $(set | grep '^var_' | cut -d= -f1); do unset $v; count=$((count+1)); done
echo "unset $count"
EOF

cat >report.awk <<'EOF'
BEGIN { FS = "," }
NR > 1 {
  n[$2]++; sum[$2] += $4; kinds[$2 "/" $3]++
  if (!($3 in first)) first[$3] = $1
  line[NR % 500] = $0
}
END {
  for (d in n) printf "%s %d %.1f\n", d, n[d], sum[d] / n[d]
  for (k in kinds) if (kinds[k] > 8) out = out k ";"
  print length(out)
  for (w in first) print w, first[w]
}
EOF

cat >edit.ed <<'EOF'
,s/sensor/SENSOR/g
g/packet/s/frame/FRAME/
/heap/,/flash/d
1,200m$
$-50,$t0
v/radio/s/ /_/g
g/^$/d
,s/\(block\) \(queue\)/\2 \1/g
1,10j
w edited.txt
q
EOF

cat >game.lua <<'EOF'
-- A small game loop: entities spawn, move, collide and die; a JSON encoder saves the state
-- every 100 ticks (the last three saves are kept).
local seed = 42
local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n end

local function encode(v, out)
  local t = type(v)
  if t == "table" then
    if #v > 0 then
      out[#out + 1] = "["
      for i, x in ipairs(v) do if i > 1 then out[#out + 1] = "," end; encode(x, out) end
      out[#out + 1] = "]"
    else
      out[#out + 1] = "{"
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = string.format("%q:", k)
        encode(v[k], out)
      end
      out[#out + 1] = "}"
    end
  elseif t == "string" then out[#out + 1] = string.format("%q", v)
  else out[#out + 1] = tostring(v) end
  return out
end

local kinds = { "slime", "bat", "knight", "coin", "arrow", "spark" }
local world = { tick = 0, entities = {}, score = 0, log = {} }
local nextId = 1

local function spawn()
  local e = { id = nextId, kind = kinds[rand(#kinds) + 1], x = rand(256), y = rand(192),
              vx = rand(5) - 2, vy = rand(5) - 2, hp = 1 + rand(9), tags = {} }
  for i = 1, rand(4) do e.tags[i] = "t" .. rand(100) end
  nextId = nextId + 1
  world.entities[#world.entities + 1] = e
end

local saves = {}
for tick = 1, 1500 do
  world.tick = tick
  for _ = 1, rand(4) do spawn() end
  local alive = {}
  local grid = {}
  for _, e in ipairs(world.entities) do
    e.x = (e.x + e.vx) % 256; e.y = (e.y + e.vy) % 192
    local cell = (e.x // 16) .. ":" .. (e.y // 16)
    local other = grid[cell]
    if other and other.kind ~= e.kind then
      other.hp = other.hp - 1; e.hp = e.hp - 2
      world.log[#world.log + 1] = e.kind .. " hits " .. other.kind .. " at " .. cell
      if #world.log > 64 then table.remove(world.log, 1) end
    end
    grid[cell] = e
    if e.hp > 0 then alive[#alive + 1] = e else world.score = world.score + 1 end
  end
  world.entities = alive
  if tick % 100 == 0 then
    local s = table.concat(encode(world, {}))
    saves[#saves + 1] = s
    if #saves > 3 then table.remove(saves, 1) end
  end
end
print(world.score, #world.entities, #saves[#saves])
EOF

cat >lighttpd.conf <<EOF
server.document-root = "$WORK/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$WORK/lighttpd-error.log"
index-file.names = ( "page0.html" )
mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain" )
EOF
: >urls.txt
for i in $(seq 0 99); do
  printf 'url = "http://127.0.0.1:%s/page%s.html?q=%s"\noutput = /dev/null\n' "$PORT" $((i % 23)) "$i" >>urls.txt
done
# The clients run without the recorder (env -u LD_PRELOAD): only the server is traced.
cat >serve.sh <<EOF
lighttpd -D -f lighttpd.conf &
pid=\$!
n=0
until env -u LD_PRELOAD curl -s -o /dev/null http://127.0.0.1:$PORT/; do
  n=\$((n+1)); [ \$n -gt 200 ] && { kill \$pid; exit 1; }; sleep 0.05
done
env -u LD_PRELOAD curl -s -K urls.txt
env -u LD_PRELOAD curl -s -Z --parallel-max 6 -K urls.txt
env -u LD_PRELOAD curl -s -K urls.txt
env -u LD_PRELOAD curl -s -Z --parallel-max 3 -K urls.txt
env -u LD_PRELOAD curl -s -o /dev/null http://127.0.0.1:$PORT/log.txt
env -u LD_PRELOAD curl -s -o /dev/null http://127.0.0.1:$PORT/missing.html
env -u LD_PRELOAD curl -s -I -o /dev/null http://127.0.0.1:$PORT/page3.html
kill -INT \$pid
wait \$pid
EOF
if env -u LD_PRELOAD curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then
  echo "record-all: 127.0.0.1:$PORT is already in use; set PORT" >&2
  exit 1
fi

# ---- recording --------------------------------------------------------------------------------
# rec NAME NOTE [record options] -- cmd args...
rec() {
  local name=$1 note=$2
  shift 2
  want "$name" || return 0
  echo "== $name" >&2
  "${RMS[@]}" record -o "$OUT" -z --arch "$ARCH" --name "$name" --note "$note" "$@"
}

rec busybox-sh 'BusyBox ash running a shell script (loops, eval, expansions); the DSLinux userland shell' \
  --root --stdout /dev/null -- busybox sh shell-work.sh
rec busybox-ls-lR 'BusyBox ls -lR over a generated 990-entry file tree' \
  --stdout /dev/null -- busybox ls -lR tree
rec busybox-awk 'BusyBox awk: per-device report over a 2000-line CSV log (associative arrays, string building)' \
  --stdout /dev/null -- busybox awk -f report.awk log.csv
rec ed-script 'GNU ed driven by a script: global substitutions, moves, copies, joins on a 1667-line file' \
  --stdin edit.ed -- ed -s edit.txt
rec lua-game 'Lua 5.4 game loop: entities spawn, collide and die; JSON save every 100 ticks (all memory through realloc/free)' \
  --stdout /dev/null -- lua5.4 game.lua
rec lighttpd-burst 'lighttpd serving 400 static-page requests (sequential and 6/3 in parallel) plus a 404, a HEAD and a 100 KB file on 127.0.0.1' \
  --keep lighttpd --stdout /dev/null -- busybox sh serve.sh
rec djpeg-progressive 'libjpeg-turbo djpeg decoding a 1600x1200 progressive JPEG: whole-image coefficient buffers (more than the nds heap)' \
  -- djpeg -outfile /dev/null big.jpg
rec djpeg-small 'libjpeg-turbo djpeg decoding a 320x240 baseline JPEG at 1/2 scale, streaming to PPM (a small-device decoder)' \
  -- djpeg -scale 1/2 -outfile /dev/null small.jpg
rec flac-decode 'FLAC decoder: 20 s of 22.05 kHz stereo to WAV on stdout' \
  --stdout /dev/null -- flac -s -d -c tone.flac
rec bzip2-9 'bzip2 -9 compressing 120 KB of text: a few multi-megabyte work buffers (more than the nds heap)' \
  --stdout /dev/null -- bzip2 -9 -c text.txt

# ---- synthetic --------------------------------------------------------------------------------
if want synthetic; then
  echo "== synthetic" >&2
  (cd "$ROOT" && TS_NODE_TRANSPILE_ONLY=true node "$ROOT/node_modules/ts-node/dist/bin.js" scripts/gen-synthetic.ts bundled --out-dir "$OUT")
fi

# ---- summary ----------------------------------------------------------------------------------
echo
echo "Debian package versions ($DEBARCH):"
for pkg in busybox lua5.4 ed lighttpd libjpeg-turbo-progs flac bzip2 libc6; do
  printf '  %s %s\n' "$pkg" "$(dpkg-query -W -f '${Version}' "$pkg:$DEBARCH" 2>/dev/null || echo '?')"
done
echo
echo "Traces in $OUT:"
for f in "$OUT"/*.trace.gz; do
  printf '  %-34s %8s bytes  %s\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -dc "$f" | grep -m1 '^# ops:' | cut -c3-)"
done
