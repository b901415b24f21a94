#!/usr/bin/env bash
# Installs what the build, the tests and the demo need on a fresh Debian 12 machine.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have curl     || need_apt+=(curl)
have iptables || need_apt+=(iptables)
have h2load   || need_apt+=(nghttp2-client)
have nginx    || need_apt+=(nginx-light)
have haproxy  || need_apt+=(haproxy)
have wrk      || need_apt+=(wrk)
have slowhttptest || need_apt+=(slowhttptest)   # slow-client drills
have ip       || need_apt+=(iproute2)
have python3  || need_apt+=(python3)
have setpriv  || need_apt+=(util-linux)   # transparent-mode tests run the engine and apps as other users

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: need root to install: ${need_apt[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian starts the packaged nginx/haproxy services; tests run their own instances on loopback ports.
  (service nginx stop || true; service haproxy stop || true) >/dev/null 2>&1
fi

if ! have dotnet; then
  echo "bootstrap: the .NET SDK (dotnet) is required but not on PATH" >&2
  exit 1
fi
