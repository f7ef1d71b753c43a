# dns-server.sh - sourced by tests: a real DNS server (unbound) on
# 127.0.0.1 and a free port, serving the test zones of
# tests/data/dns/zones.conf. It refuses every name outside them, so a
# test never reaches the internet.
#
#   dns_server_start [ZONES...]
#                      serves the zone files given (unbound local-zone /
#                      local-data syntax; default tests/data/dns/zones.conf;
#                      each check keeps its own file and its own zones
#                      under test.), sets DNS_PORT, DNS_CONF (for
#                      unbound-control), DNS_DIR; returns 1 (with the
#                      log) if it fails
#   dns_server_stop    stops it and removes DNS_DIR (call it from a trap)
#
# Needs top_srcdir. Callers skip (exit 77) when `unbound` is missing.
# Never the system's unbound service: this one runs in the foreground
# as the current user, with its own config, pid and control socket.

DNS_PID=
DNS_DIR=

dns_server_start() {
	[ $# -gt 0 ] || set -- "$top_srcdir/tests/data/dns/zones.conf"
	DNS_DIR=$(mktemp -d /tmp/winnow-dns.XXXXXX) || return 1
	DNS_PORT=$(sh "$top_srcdir/tests/integration/free-port.sh") || return 1
	DNS_CONF=$DNS_DIR/unbound.conf
	cat >"$DNS_CONF" <<EOC
server:
  interface: 127.0.0.1@$DNS_PORT
  port: $DNS_PORT
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$DNS_DIR"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  num-threads: 1
  module-config: "iterator"
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: yes
  # everything outside the test zones is refused: never the internet
  local-zone: "." refuse
$(for z in "$@"; do printf '  include: "%s"\n' "$z"; done)
remote-control:
  control-enable: yes
  control-interface: "$DNS_DIR/unbound.ctl"
  control-use-cert: no
EOC
	unbound-checkconf "$DNS_CONF" >"$DNS_DIR/checkconf.log" 2>&1 || {
		cat "$DNS_DIR/checkconf.log"; return 1; }
	unbound -d -c "$DNS_CONF" >"$DNS_DIR/unbound.log" 2>&1 &
	DNS_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		unbound-control -c "$DNS_CONF" status >/dev/null 2>&1 && {
			export DNS_PORT DNS_CONF DNS_DIR
			return 0
		}
		kill -0 "$DNS_PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	echo "dns-server: unbound did not start:"
	cat "$DNS_DIR/unbound.log"
	return 1
}

dns_server_stop() {
	if [ -n "$DNS_PID" ]; then
		kill -TERM "$DNS_PID" 2>/dev/null && wait "$DNS_PID" 2>/dev/null
		DNS_PID=
	fi
	[ -n "$DNS_DIR" ] && rm -rf "$DNS_DIR"
	DNS_DIR=
}
