#!/usr/bin/env bash
# Builds every fuzz target (tests/fuzz/) with clang, libFuzzer, ASan and UBSan in build-fuzz/
# and runs each for SECONDS (default 60). Fails when a target crashes, leaks, trips a sanitizer
# or an assertion; the input that did is left in build-fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS]
#
# Each target starts from its seeds (tests/fuzz/corpus/TARGET/, read only) and what earlier
# runs found (build-fuzz/corpus/TARGET/), with tests/fuzz/TARGET.dict when there is one. Extra
# libFuzzer flags: MAILGATE_FUZZ_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILGATE_FUZZ=ON -DMAILGATE_BUILD_TESTS=OFF \
    -DMAILGATE_WERROR=ON -DMAILGATE_TCMALLOC=OFF "${launcher[@]}" >/dev/null
# Only the targets and the libraries they link, not the whole gateway.
cmake --build build-fuzz --target fuzz_targets -j"$(nproc)"

mkdir -p build-fuzz/artifacts
while read -r target; do
    [ -n "$target" ] || continue
    corpus=build-fuzz/corpus/$target
    mkdir -p "$corpus"
    dict=()
    [ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
    echo "fuzz.sh: $target for ${seconds}s"
    # The inputs reach the parsers' limits (tens of KiB) through the targets' own encodings.
    # shellcheck disable=SC2086
    "build-fuzz/tests/fuzz/$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$target-" \
        "${dict[@]}" ${MAILGATE_FUZZ_FLAGS:-} "$corpus" "tests/fuzz/corpus/$target"
done < build-fuzz/fuzz_targets.txt
