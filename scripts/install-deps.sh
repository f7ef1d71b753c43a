#!/bin/sh
# Installs everything Winnow needs to build and to run its whole test suite
# on Debian 12: build tools and libraries, and the real peers the tests drive
# (SpamAssassin for the stock ruleset and the agreement test, clang for the
# fuzzers, bogofilter with Debian's default Berkeley DB back end for
# bench/bench-bayes.py), unbound as the test DNS server (started by the
# tests on a free loopback port, never as the system resolver: the
# policy-rc.d below keeps its service from starting), libclamav and
# Debian's ClamAV test files (not the clamav package, which pulls in
# clamav-freshclam: the tests build their own signature database and
# nothing is downloaded). Safe to run again.
# Needs root (or sudo).
set -eu
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
# Never let package installs start daemons on this box (no systemd in CI).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
fi
PKGS="build-essential autoconf automake libtool pkg-config
      libpcre2-dev libsqlite3-dev libmilter-dev libunbound-dev
      clang libclang-rt-14-dev
      spamassassin spamc spamd python3 bogofilter bogofilter-bdb
      postfix miltertest swaks unbound
      libopendkim-dev opendkim-tools python3-dkim python3-nacl python3-dnspython
      publicsuffix
      libspf2-dev python3-spf
      libssl-dev python3-authres
      libopendmarc-dev opendmarc
      libclamav-dev clamav-testfiles zlib1g-dev zip"
# clamd for the socket mode's test (tests/integration/test-clamd.sh runs
# its own, with a private database, in a temp dir). It pulls in
# clamav-freshclam; the policy-rc.d above keeps both services from
# starting, so nothing is downloaded and /var/lib/clamav stays empty.
PKGS="$PKGS clamav-daemon"
# winnow-mda (issue 7): Dovecot reads the Maildirs over IMAP in
# test-mda-postfix.sh (a private instance; policy-rc.d keeps the service
# down); procmail and maildrop are bench/bench-mda.py's reference MDAs.
PKGS="$PKGS dovecot-imapd procmail maildrop"
# Dovecot Pigeonhole's sieve-test, the reference the Sieve conformance
# cases are cross-checked against (tests/sieve/crosscheck.py); it pulls in
# dovecot-core, whose service the policy-rc.d above keeps from starting.
PKGS="$PKGS dovecot-sieve"
# Postfix with no system configuration: the tests run their own instance.
echo "postfix postfix/main_mailer_type select No configuration" |
	$SUDO debconf-set-selections 2>/dev/null || true
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 \
		install -y -q --no-install-recommends $missing
fi
