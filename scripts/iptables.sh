#!/usr/bin/env bash
# Sets up (or removes) the nat rules Istio's sidecar injection installs (istio-iptables in REDIRECT
# mode; istio-semantics.md §7.2), in the current network namespace, for IPv4 and IPv6:
#   outbound TCP from anyone but the proxy uid/gid   -> --outbound-port (15001)
#   inbound TCP to any port but the excluded ones    -> --inbound-port  (15006)
#   the proxy's own traffic, 127.0.0.1/::1 and traffic from 127.0.0.6/::6 (inbound delivery) -> untouched
#
#   scripts/iptables.sh install|remove|show [--proxy-uid 1337] [--proxy-gid UID] [--outbound-port 15001]
#       [--inbound-port 15006] [--exclude-inbound-ports 15090,15021,15020]
#       [--include-outbound-cidrs '*'] [--exclude-outbound-cidrs CIDR,…]
#
# install is idempotent (it removes whatever a previous run left, then loads the rules atomically
# per family with iptables-restore); remove deletes every ISTIO_* chain and every jump to one,
# whichever of them exist, so a half-installed state is cleaned too. show prints the rules.
# Run it inside the namespace you mean (e.g. `ip netns exec NAME scripts/iptables.sh install`):
# in the host namespace it captures the host's traffic.
set -euo pipefail

usage() {
  sed -n '8,10p' "$0" | sed 's/^#   //' >&2
  exit 2
}

action=${1:-}
[ -n "$action" ] || usage
shift

proxy_uid=1337
proxy_gid=
outbound_port=15001
inbound_port=15006
exclude_inbound=15090,15021,15020
include_outbound='*'
exclude_outbound=
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "iptables.sh: $1 needs a value" >&2; usage; }
  case $1 in
    --proxy-uid) proxy_uid=$2 ;;
    --proxy-gid) proxy_gid=$2 ;;
    --outbound-port) outbound_port=$2 ;;
    --inbound-port) inbound_port=$2 ;;
    --exclude-inbound-ports) exclude_inbound=$2 ;;
    --include-outbound-cidrs) include_outbound=$2 ;;
    --exclude-outbound-cidrs) exclude_outbound=$2 ;;
    *) echo "iptables.sh: unknown option $1" >&2; usage ;;
  esac
  shift 2
done
proxy_gid=${proxy_gid:-$proxy_uid}

number() { [[ $2 =~ ^[0-9]+$ ]] || { echo "iptables.sh: $1 '$2' is not a number" >&2; exit 2; }; }
number --proxy-uid "$proxy_uid"
number --proxy-gid "$proxy_gid"
number --outbound-port "$outbound_port"
number --inbound-port "$inbound_port"
for p in ${exclude_inbound//,/ }; do number --exclude-inbound-ports "$p"; done

# HBONE (ambient/waypoint tunnel) port: never captured, inbound or outbound, as Istio does.
readonly hbone_port=15008
readonly chains=(ISTIO_INBOUND ISTIO_REDIRECT ISTIO_IN_REDIRECT ISTIO_OUTPUT)

# CIDRs of one family from a comma-separated list: v4 has no ':', v6 has one.
cidrs_of() {
  local family=$1 list=$2 cidr
  for cidr in ${list//,/ }; do
    if [ "$family" = 6 ] && [[ $cidr == *:* ]]; then echo "$cidr"; fi
    if [ "$family" = 4 ] && [[ $cidr != *:* ]]; then echo "$cidr"; fi
  done
}

# The iptables-restore input for one family, in the order istio-iptables writes it.
rules() {
  local family=$1 localhost inbound_source cidr p
  if [ "$family" = 4 ]; then localhost=127.0.0.1/32; inbound_source=127.0.0.6/32; else localhost=::1/128; inbound_source=::6/128; fi
  echo "*nat"
  for c in "${chains[@]}"; do echo ":$c - [0:0]"; done
  echo "-A ISTIO_INBOUND -p tcp --dport $hbone_port -j RETURN"
  echo "-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports $outbound_port"
  echo "-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports $inbound_port"
  echo "-A PREROUTING -p tcp -j ISTIO_INBOUND"
  for p in ${exclude_inbound//,/ }; do echo "-A ISTIO_INBOUND -p tcp --dport $p -j RETURN"; done
  echo "-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT"
  echo "-A OUTPUT -j ISTIO_OUTPUT"
  # The proxy delivers inbound traffic to the app from 127.0.0.6 / ::6: never capture it again.
  echo "-A ISTIO_OUTPUT -o lo -s $inbound_source -j RETURN"
  # The proxy calling its own pod IP (a service VIP that resolves to this pod) goes to the inbound
  # listener; anyone else calling a local address is left alone; the proxy's own traffic never loops.
  for owner in "--uid-owner $proxy_uid" "--gid-owner $proxy_gid"; do
    echo "-A ISTIO_OUTPUT -o lo ! -d $localhost -p tcp ! --dport $hbone_port -m owner $owner -j ISTIO_IN_REDIRECT"
    echo "-A ISTIO_OUTPUT -o lo -m owner ! $owner -j RETURN"
    echo "-A ISTIO_OUTPUT -m owner $owner -j RETURN"
  done
  # Explicit localhost: Envoy-aware apps and container-to-container traffic.
  echo "-A ISTIO_OUTPUT -d $localhost -j RETURN"
  for cidr in $(cidrs_of "$family" "$exclude_outbound"); do echo "-A ISTIO_OUTPUT -d $cidr -j RETURN"; done
  if [ "$include_outbound" = '*' ]; then
    echo "-A ISTIO_OUTPUT -j ISTIO_REDIRECT"
  else
    for cidr in $(cidrs_of "$family" "$include_outbound"); do echo "-A ISTIO_OUTPUT -d $cidr -j ISTIO_REDIRECT"; done
  fi
  echo "COMMIT"
}

# IPv6 is handled when the namespace has it and ip6tables can use its nat table.
have_ipv6() { [ -f /proc/net/if_inet6 ] && command -v ip6tables >/dev/null 2>&1 && ip6tables -t nat -S >/dev/null 2>&1; }

# Deletes every jump to an ISTIO_* chain from the built-in chains, then the ISTIO_* chains
# themselves; each step tolerates the part being absent.
remove_family() {
  local tool=$1 builtin rule
  for builtin in PREROUTING OUTPUT INPUT POSTROUTING; do
    # One pass over the listed rules (bounded): -S prints "-A CHAIN spec", which -D takes back.
    while IFS= read -r rule; do
      # shellcheck disable=SC2086 # the rule spec is word-split on purpose
      $tool -t nat ${rule/#-A/-D} 2>/dev/null || true
    done < <($tool -t nat -S "$builtin" 2>/dev/null | grep -E -- '-j ISTIO_[A-Z_]+' || true)
  done
  for c in "${chains[@]}"; do $tool -t nat -F "$c" 2>/dev/null || true; done
  for c in "${chains[@]}"; do $tool -t nat -X "$c" 2>/dev/null || true; done
}

remove_all() {
  remove_family iptables
  if have_ipv6; then
    remove_family ip6tables
    ip -6 addr del ::6/128 dev lo 2>/dev/null || true
  fi
}

require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "iptables.sh: must run as root: it changes the nat table of this network namespace (try: sudo $0 $action …)" >&2
    exit 1
  fi
  command -v iptables >/dev/null 2>&1 || { echo "iptables.sh: iptables is not installed (apt-get install iptables)" >&2; exit 1; }
}

case $action in
  show)
    echo "# IPv4 (iptables-restore --noflush)"; rules 4
    echo "# IPv6 (ip6tables-restore --noflush)"; rules 6
    ;;
  install)
    require_root
    remove_all
    if ! rules 4 | iptables-restore --noflush; then
      echo "iptables.sh: loading the IPv4 rules failed; nothing is left installed" >&2
      remove_all
      exit 1
    fi
    if have_ipv6; then
      # IPv6 loopback is ::1/128 only, so the inbound delivery source ::6 must be added to lo
      # before the proxy can bind it (istio-iptables does the same).
      ip -6 addr add ::6/128 dev lo 2>/dev/null || ip -6 addr show dev lo | grep -q 'inet6 ::6/128' \
        || { echo "iptables.sh: cannot add ::6/128 to lo" >&2; remove_all; exit 1; }
      if ! rules 6 | ip6tables-restore --noflush; then
        echo "iptables.sh: loading the IPv6 rules failed; nothing is left installed" >&2
        remove_all
        exit 1
      fi
      echo "iptables.sh: installed (IPv4 and IPv6): outbound -> :$outbound_port, inbound -> :$inbound_port, proxy uid/gid $proxy_uid/$proxy_gid excluded"
    else
      echo "iptables.sh: installed (IPv4 only: no IPv6 nat in this namespace): outbound -> :$outbound_port, inbound -> :$inbound_port, proxy uid/gid $proxy_uid/$proxy_gid excluded"
    fi
    ;;
  remove)
    require_root
    remove_all
    echo "iptables.sh: removed"
    ;;
  *) usage ;;
esac
