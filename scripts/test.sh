#!/usr/bin/env bash
# Installs what the tests need, builds everything, publishes the AOT binary and runs every test
# project. Ends with one line "N passed, N failed, N skipped" summing all projects.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
dotnet build Engine.sln -c Release -nologo -v quiet
scripts/publish.sh

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  if ! dotnet test "$project" -c Release --no-build -nologo \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
        --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000; then
    status=1
  fi
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  # A skipped xunit test is "NotExecuted" in the results but not in the notExecuted counter.
  skipped=$((skipped + $(get total) - $(get executed)))
done

# A project that crashed before writing its report counts as a failure too.
expected=$(ls tests/*/*.csproj | wc -l)
reports=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$reports" -lt "$expected" ]; then
  failed=$((failed + expected - reports))
fi

echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
  exit 1
fi
