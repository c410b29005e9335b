#!/usr/bin/env bash
# NAR throughput (dump + SHA-256 of a generated, page-cached tree; parsing its NAR)
# and the cost of derivation::instantiate (wall time; the machine is shared, so
# `perf stat -e task-clock target/release/examples/drv_bench` gives CPU time).
# Usage: bench/nixcompat/run.sh [SIZE_MB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release -q -p nest-nixcompat --example nar_bench -- "${1:-256}" "${2:-3}"
cargo run --release -q -p nest-nixcompat --example drv_bench -- 20000
