# Interleaved measurement for bench/modules/run.sh and hundred-real.sh (sourced).
# Commands run in rounds of one run each, so that all see the host as it is in that
# round: this VM's speed drifts by a third over minutes, and measuring one command's
# runs after the other's put that drift into the ratio. Each run is one line
# "wall user sys maxrss_kb" (bench/measure.py, times to the microsecond).

rounds_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# once FILE [--stderr ERR] CMD...: appends one run's line to FILE, or "failed".
once() {
  local f="$1" tf; shift
  tf="$(mktemp)"
  if "$rounds_here/../measure.py" "$@" > "$tf"; then tail -n 1 "$tf" >> "$f"; else echo failed >> "$f"; fi
  rm -f "$tf"
}

# best FILE: the run with the lowest CPU (user+sys), or "failed" if any run failed.
best() {
  if grep -q failed "$1"; then echo failed; return; fi
  awk 'NF == 4 { cpu = $2 + $3; if (!seen || cpu < bc) { bc = cpu; b = $0; seen = 1 } } END { print b }' "$1"
}

# median_cpu FILE: the median CPU (user+sys) of FILE's runs.
median_cpu() {
  awk 'NF == 4 { c[++n] = $2 + $3 }
    END { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (c[j] < c[i]) { t = c[i]; c[i] = c[j]; c[j] = t }
          printf "%.3f\n", (n % 2 ? c[(n + 1) / 2] : (c[n / 2] + c[n / 2 + 1]) / 2) }' "$1"
}

# round_ratios PEER_FILE NEST_FILE: the ratio of each round's two runs' CPU, then their
# median and range: a round's runs were made a second apart, on the same host state.
round_ratios() {
  paste -d' ' "$1" "$2" | awk '{ r[++n] = ($6 + $7) / ($2 + $3) }
    END { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
          printf "median %.2f, range %.2f-%.2f (%d rounds)\n",
            (n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2), r[1], r[n], n }'
}
