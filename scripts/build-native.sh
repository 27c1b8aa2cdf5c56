#!/usr/bin/env bash
# Builds the optional native addons the npm package ships, in native/prebuilt/linux-x64/:
# howl-native.node, the training kernels (native/howl-native.c), and howl-midi.node, the
# importer's MIDI reader (native/howl-midi.c). Needs gcc and Node's
# headers (node_api.h: /usr/include/node, or node-gyp's copy). It links no BLAS: the addon finds
# OpenBLAS at run time (dlopen), so one build serves machines with and without it.
# Built for the baseline x86-64 instruction set: the heavy work runs inside OpenBLAS, which picks
# its own kernels for the CPU it finds. -fno-trapping-math lets the gate loops' selects vectorise.
set -euo pipefail
cd "$(dirname "$0")/.."
headers=""
for dir in /usr/include/node /usr/local/include/node "$HOME/.cache/node-gyp/$(node -p process.versions.node)/include/node"; do
  if [ -f "$dir/node_api.h" ]; then headers="$dir"; break; fi
done
if [ -z "$headers" ]; then echo "build-native: node_api.h not found (install Node's headers)" >&2; exit 1; fi
out=native/prebuilt/linux-x64
mkdir -p "$out"
gcc -O3 -march=x86-64 -mtune=generic -fno-trapping-math -fno-math-errno -fPIC -shared -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter \
  -DNODE_GYP_MODULE_NAME=howl_native -I"$headers" native/howl-native.c -o "$out/howl-native.node.tmp" -ldl -lm -lpthread
strip --strip-unneeded "$out/howl-native.node.tmp"
mv "$out/howl-native.node.tmp" "$out/howl-native.node"
# The reader must give the TypeScript reader's doubles bit for bit: no fused multiply-adds, no
# fast-math; the baseline instruction set.
gcc -O2 -march=x86-64 -mtune=generic -ffp-contract=off -fno-math-errno -fPIC -shared -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter \
  -DNODE_GYP_MODULE_NAME=howl_midi -I"$headers" native/howl-midi.c -o "$out/howl-midi.node.tmp" -lm -lpthread
strip --strip-unneeded "$out/howl-midi.node.tmp"
mv "$out/howl-midi.node.tmp" "$out/howl-midi.node"
sha256sum native/howl-native.c native/kernel-steps.h native/howl-midi.c > "$out/SOURCE.sha256"
for addon in howl-native howl-midi; do
  echo "build-native: $out/$addon.node ($(stat -c %s "$out/$addon.node") bytes)"
done
