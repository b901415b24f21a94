#!/usr/bin/env bash
# Soak: mixed HTTP/1.1 load through the native AOT engine for a bounded time, with upstream
# endpoints killed (SIGKILL) and restarted in turn and the routes file rewritten (every third
# time broken) and reloaded (SIGHUP); samples the engine's RSS and descriptors from /proc once a
# second and reports errors by cause, the RSS slope over the second half, whether memory is flat,
# and a plot. Exits 1 when the verdict is FAIL.
#
#   scripts/soak.sh [--minutes 5 | --seconds N] [--workers 16] [--restart-every S] [--reload-every S] [--settle 0.5]
#                   [--max-slope MiB/min] [--out DIR] [--no-build]
#
# Output in artifacts/soak/: summary.txt, summary.json, samples.csv, rss.png.
# h2c load joins the mix when HTTP/2 lands (issue 9).
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

if [ "$build" -eq 1 ]; then
  scripts/publish.sh
  dotnet build perf/Engine.Soak/Engine.Soak.csproj -c Release -nologo -v quiet >/dev/null
fi
[ -x artifacts/engine ] || { echo "soak: artifacts/engine missing (run scripts/publish.sh)" >&2; exit 2; }

exec dotnet perf/Engine.Soak/bin/Release/net10.0/engine-soak.dll --engine artifacts/engine --out artifacts/soak "${args[@]}"
