#!/usr/bin/env bash
# NAR throughput: dump + SHA-256 of a generated tree (page-cached) and parsing its NAR.
# Usage: bench/nixcompat/run.sh [SIZE_MB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release -q -p nest-nixcompat --example nar_bench -- "${1:-256}" "${2:-3}"
