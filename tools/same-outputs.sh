#!/usr/bin/env bash
# Proves a refactoring changed no output byte: runs a fixed set of evaluations with the CLI built from this tree
# (dotnet build -c Release first) and writes their run folders to OUT, with what legitimately differs between two runs
# (timestamps, process ids, wall times, throughput) normalized. Compare two trees' outputs with `diff -r A B`.
#   tools/same-outputs.sh /tmp/before   (on the old commit)
#   tools/same-outputs.sh /tmp/after    (on the new one);  diff -r /tmp/before /tmp/after
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:?usage: tools/same-outputs.sh OUT}")
rm -rf "$out"; mkdir -p "$out"
cli=(dotnet src/EvalTests.Cli/bin/Release/net10.0/evaltests.dll)
run() { local name=$1; shift; "${cli[@]}" run "$@" -w "$out/$name" > "$out/$name.console.txt" 2>&1 || echo "exit $?" >> "$out/$name.console.txt"; }

run mcq --model stories260K --datasets ceval_gen ceval_ppl cmmlu_gen cmmlu_ppl --limit 2 --max-out-len 8
run gsm8k --model stories260K --datasets gsm8k_gen --limit 3 --max-out-len 24
run judged --model stories260K --judge-model stories260K --judge-abbr judge --datasets gsm8k_llmjudge gsm8k_cascade alignbench --limit 2 --max-out-len 16 --judge-max-out-len 12
run stages --model stories260K --datasets ceval_gen --subsets law computer_network --limit 3 --max-out-len 8 --mode infer
run stages --model stories260K --datasets ceval_gen --subsets law computer_network --limit 3 --mode eval --reuse --postprocessor first_option
run qwen --model qwen3tok-random --datasets ceval_gen ceval_ppl --subsets law --limit 2 --max-out-len 8
run qwen-base --model qwen3tok-random --hf-type base --datasets ceval_gen ceval_ppl --subsets law --limit 2 --max-out-len 8

# Normalize: run folders and timestamps, pids, wall times, rates.
for dir in "$out"/*/; do
  for run_dir in "$dir"*/; do [ -d "$run_dir" ] && mv "$run_dir" "${run_dir%/}.tmp"; done
  i=0; for run_dir in $(ls -d "$dir"*.tmp 2>/dev/null | sort); do mv "$run_dir" "$dir/run$i"; i=$((i+1)); done
done
# Several configs of one run folder (a resumed run adds one) keep their order.
for configs in "$out"/*/run*/configs; do
  i=0; for file in $(ls "$configs" | sort); do mv "$configs/$file" "$configs/config$i.json"; i=$((i+1)); done
done
# Progress lines depend on timing.
sed -i '/^\[[0-9:]*\] /d' "$out"/*.console.txt
find "$out" -depth -name '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]*' | while read -r path; do
  mv "$path" "$(dirname "$path")/$(basename "$path" | sed -E 's/[0-9]{8}_[0-9]{6}(_[0-9]+)?/TS/g')"
done
find "$out" -type f -print0 | xargs -0 sed -i -E -e "s|$out|OUT|g" \
  -e 's/[0-9]{8}_[0-9]{6}(_[0-9]+)?/TS/g' \
  -e 's/(wall time|elapsed|seconds|time)([": ]+)[0-9.]+( ?s)?/\1\2N/g' \
  -e 's/[0-9.]+ samples\/s/N samples\/s/g' -e 's/\[[0-9:]{8}\]/[T]/g' -e 's/ETA [0-9:]{8}/ETA T/g' \
  -e 's/"pid": [0-9]+/"pid": N/g'
echo "outputs in $out ($(find "$out" -type f | wc -l) files)"
