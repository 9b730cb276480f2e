#!/usr/bin/env bash
# Builds lumex with sanitizers and runs a test subset and a short fuzz run under them.
#   bash .ci/sanitize.sh address   # ASan + UBSan: the reliability tests, errors, fuzz
#   bash .ci/sanitize.sh thread    # TSan: the thread tests
#   TESTS="tests/test_shape.py" bash .ci/sanitize.sh address   # another subset
# Python itself is not instrumented, so the sanitizer runtime is preloaded. Any
# report fails the run (UBSan halts on the first one; ASan always does). Reports go
# to files in build/san-<mode>-reports (the fuzz workers' stderr is discarded) and
# are printed at the end.
set -euo pipefail
mode=${1:-address}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
name=san-$mode
LUMEX_CMAKE_ARGS="-DLUMEX_SANITIZE=$mode -DCMAKE_BUILD_TYPE=RelWithDebInfo" \
  bash .ci/dev_build.sh "$name" >/dev/null
py=${PYTHON:-python3}
export PYTHONPATH="$root/build/$name-pkg" LUMEX_NO_NOTEBOOK=1
reports="$root/build/$name-reports"
rm -rf "$reports" && mkdir -p "$reports"
cxx=${CXX:-g++}
case "$mode" in
  address)
    # libstdc++ is preloaded too: Python does not link it, and ASan resolves its
    # __cxa_throw interceptor at start-up, so without it the first C++ exception
    # aborts with "CHECK failed: ... real___cxa_throw".
    runtime="$($cxx -print-file-name=libasan.so) $($cxx -print-file-name=libstdc++.so)"
    # Python's allocator and interned objects look like leaks: leaks are not checked.
    export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:log_path=$reports/asan
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan
    tests=${TESTS:-"tests/test_reliability.py tests/test_errors.py tests/test_threads.py tests/test_shape.py tests/test_indexing.py tests/test_linalg_lapack.py tests/test_fuzz_short.py"}
    ;;
  thread)
    runtime="$($cxx -print-file-name=libtsan.so) $($cxx -print-file-name=libstdc++.so)"
    export TSAN_OPTIONS="halt_on_error=1:suppressions=$root/.ci/tsan.supp:log_path=$reports/tsan"
    tests=${TESTS:-"tests/test_threads.py"}
    ;;
  *) echo "mode must be address or thread" >&2; exit 2 ;;
esac
# The fuzz test's workers inherit the environment, so they run sanitized too.
status=0
# shellcheck disable=SC2086
# --capture=sys: UBSan writes its report to fd 2 (not to log_path when combined with
# ASan) and exits; pytest's default fd capture would swallow it with the process.
LD_PRELOAD="$runtime" "$py" -m pytest -q -p no:cacheprovider --capture=sys $tests || status=$?
if [ -n "$(ls -A "$reports")" ]; then
  echo "sanitizer reports ($reports):" >&2
  cat "$reports"/* >&2
  status=1
fi
exit $status
