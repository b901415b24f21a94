#!/usr/bin/env bash
# Publishes the native AOT `engine` binary to artifacts/engine. Fails on any AOT or trim warning.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p artifacts
log=artifacts/publish.log
if ! dotnet publish engine/Engine.Host/Engine.Host.csproj -c Release -r linux-x64 -o artifacts/publish -nologo >"$log" 2>&1; then
  cat "$log" >&2
  echo "publish: dotnet publish failed" >&2
  exit 1
fi

# Trim (IL2xxx) and AOT (IL3xxx) analysis warnings mean the native binary may behave differently
# from the JIT build: treat every one as a failure.
if grep -E "warning (IL[0-9]+|CS[0-9]+)" "$log" >&2; then
  echo "publish: AOT/trim warnings found (see above)" >&2
  exit 1
fi

cp artifacts/publish/Engine.Host artifacts/engine
echo "publish: artifacts/engine ($(du -h artifacts/engine | cut -f1))"
