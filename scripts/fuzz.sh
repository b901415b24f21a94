#!/usr/bin/env bash
# Bounded fuzzing of the codecs and the config loader: SharpFuzz-instrumented assemblies under
# AFL++ (Debian's afl++), one run per target, then a report (executions, time, crashes, hangs) and
# a replay of every finding so its exception is printed. Exits 1 when anything was found.
#
#   scripts/fuzz.sh [--seconds 60] [--mutate] [target…]     targets: request response chunked path config h2frames hpack clienthello
#
# --mutate skips AFL++ and runs the coverage-less mutator in the harness (the fallback used
# automatically when afl-fuzz cannot start here). Seeds: tests/Fuzz/corpus/TARGET; findings and
# AFL's own output: artifacts/fuzz/findings/TARGET. A finding becomes an xunit regression test in
# the test project of the code it broke (see tests/Fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
force_mutate=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --mutate) force_mutate=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(request response chunked path config h2frames hpack clienthello)

if ! command -v afl-fuzz >/dev/null 2>&1 && [ "$force_mutate" -eq 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "fuzz: installing afl++ (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends afl++ >/dev/null
  else
    echo "fuzz: afl-fuzz missing and not root: falling back to the coverage-less mutator" >&2
    force_mutate=1
  fi
fi

# The SharpFuzz instrumenter is a local dotnet tool (.config/dotnet-tools.json).
dotnet tool restore >/dev/null

out=artifacts/fuzz
bin=$out/bin
rm -rf "$bin"
mkdir -p "$out"
dotnet publish tests/Fuzz/Engine.Fuzz/Engine.Fuzz.csproj -c Release -o "$bin" -nologo -v quiet >"$out/publish.log" 2>&1 \
  || { cat "$out/publish.log" >&2; echo "fuzz: publish failed" >&2; exit 1; }

# Instrument only the code under test (AFL edge coverage); the harness, SharpFuzz and the BCL stay as they are.
for assembly in Engine.Protocols.dll Engine.dll YamlDotNet.dll; do
  dotnet tool run sharpfuzz "$bin/$assembly" >"$out/instrument-$assembly.log" 2>&1 \
    || { cat "$out/instrument-$assembly.log" >&2; echo "fuzz: instrumenting $assembly failed" >&2; exit 1; }
done

dict_for() { case "$1" in config) echo tests/Fuzz/dict/yaml.dict ;; h2frames|hpack) echo tests/Fuzz/dict/http2.dict ;; path|clienthello) echo "" ;; *) echo tests/Fuzz/dict/http1.dict ;; esac; }
stat_of() { sed -n "s/^$2 *: *//p" "$1" | head -1; }

summary=()
total_found=0
failed_runs=()
for target in "${targets[@]}"; do
  corpus=tests/Fuzz/corpus/$target
  [ -d "$corpus" ] || { echo "fuzz: no corpus for target '$target' ($corpus)" >&2; exit 2; }
  findings=$out/findings/$target
  rm -rf "$findings"
  mkdir -p "$findings"
  dict=$(dict_for "$target")
  mode=afl
  stats=""
  if [ "$force_mutate" -eq 0 ]; then
    echo "== $target: afl-fuzz for ${seconds}s"
    # -V bounds the run; -t is per input (the first one also JIT-compiles); no memory limit for the CLR.
    if AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 \
       AFL_FAST_CAL=1 AFL_NO_AFFINITY=1 \
       timeout --kill-after=30 $((seconds + 120)) \
       afl-fuzz -i "$corpus" -o "$findings" ${dict:+-x "$dict"} -t 5000 -m none -V "$seconds" \
         -- dotnet "$bin/Engine.Fuzz.dll" "$target" >"$findings/afl.log" 2>&1; then
      stats=$findings/default/fuzzer_stats
    else
      echo "fuzz: afl-fuzz did not run for $target (see $findings/afl.log); using the mutator" >&2
      tail -5 "$findings/afl.log" >&2 || true
    fi
  fi

  if [ -z "$stats" ] || [ ! -f "$stats" ]; then
    mode=mutator
    echo "== $target: coverage-less mutator for ${seconds}s"
    if ! dotnet "$bin/Engine.Fuzz.dll" "$target" --mutate --corpus "$corpus" --seconds "$seconds" \
      ${dict:+--dict "$dict"} --findings "$findings/default" >"$findings/mutator.log" 2>&1; then
      # A harness that cannot run found nothing by not running: that is a failure, not a pass.
      echo "fuzz: the mutator failed for $target (see $findings/mutator.log)" >&2
      tail -5 "$findings/mutator.log" >&2 || true
      failed_runs+=("$target")
    fi
    stats=$findings/mutator.log
  fi

  execs=$(stat_of "$stats" execs_done); runtime=$(stat_of "$stats" run_time)
  crashes=$(stat_of "$stats" saved_crashes); hangs=$(stat_of "$stats" saved_hangs)
  [ -n "$crashes" ] || crashes=$(stat_of "$stats" unique_crashes)
  [ -n "$hangs" ] || hangs=$(stat_of "$stats" unique_hangs)
  edges=$(stat_of "$stats" edges_found)
  found=$(( ${crashes:-0} + ${hangs:-0} ))
  total_found=$((total_found + found))
  summary+=("$(printf '%-9s %-8s execs %-9s time %4ss  edges %-5s crashes %s  hangs %s' \
    "$target" "$mode" "${execs:-?}" "${runtime:-?}" "${edges:--}" "${crashes:-0}" "${hangs:-0}")")

  for dir in crashes hangs; do
    for file in "$findings"/default/$dir/id*; do
      [ -f "$file" ] || continue
      echo "-- $target $dir: $file"
      timeout 60 dotnet "$bin/Engine.Fuzz.dll" "$target" --replay "$file" | sed 's/^/   /' || true
    done
  done
done

echo
echo "fuzz results (findings under $out/findings):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed_runs[@]} -gt 0 ]; then
  echo "fuzz: ${failed_runs[*]} did not run; nothing was tested there" >&2
  exit 2
fi
if [ "$total_found" -gt 0 ]; then
  echo "fuzz: $total_found finding(s): turn each into a regression test (tests/Fuzz/README.md)"
  exit 1
fi
echo "fuzz: nothing found"
