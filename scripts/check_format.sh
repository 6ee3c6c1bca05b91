#!/usr/bin/env bash
# Fails when a C or C++ file git tracks is not formatted as the checked-in .clang-format says,
# naming each place; `clang-format -i FILE` fixes it.
#
#   scripts/check_format.sh
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z '*.c' '*.h' '*.cpp' '*.hpp' | xargs -0 clang-format --dry-run --Werror
