#!/usr/bin/env bash
# Developer build without pip: configures build/<name>, compiles with ninja, and lays out
# an importable package in build/<name>-pkg (symlinks to the sources plus the built module).
#   bash .ci/dev_build.sh dev && PYTHONPATH=build/dev-pkg python -c "import lumex.core"
# Separate names let several people build at once; ccache (if present) shares objects.
# LUMEX_CMAKE_ARGS adds configure options on the first build of a name (sanitize.sh).
set -euo pipefail
name=${1:-dev}
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python3}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$root/build/$name/build.ninja" ]; then
  # shellcheck disable=SC2086  # LUMEX_CMAKE_ARGS: extra -D options, word-split on purpose
  cmake -S "$root" -B "$root/build/$name" -G Ninja -DPython_EXECUTABLE="$(command -v "$py")" \
    "${launcher[@]}" ${LUMEX_CMAKE_ARGS:-} >/dev/null
fi
ninja -C "$root/build/$name" -j"${JOBS:-2}"
pkg="$root/build/$name-pkg/lumex"
mkdir -p "$pkg"
for f in "$root"/core/python/lumex/*; do ln -sfn "$f" "$pkg/$(basename "$f")"; done
ln -sfn "$root/notebook_ext" "$pkg/notebook_ext"
ln -sfn "$(ls "$root/build/$name"/core/core*.so)" "$pkg/"
echo "PYTHONPATH=$root/build/$name-pkg"
