#!/usr/bin/env bash
# Builds the optional native training kernels (native/howl-native.c) into
# native/prebuilt/linux-x64/howl-native.node, the file the npm package ships. Needs gcc and Node's
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
  -DNODE_GYP_MODULE_NAME=howl_native -I"$headers" native/howl-native.c -o "$out/howl-native.node.tmp" -ldl -lm
strip --strip-unneeded "$out/howl-native.node.tmp"
mv "$out/howl-native.node.tmp" "$out/howl-native.node"
sha256sum native/howl-native.c | cut -d' ' -f1 > "$out/SOURCE.sha256"
echo "build-native: $out/howl-native.node ($(stat -c %s "$out/howl-native.node") bytes)"
