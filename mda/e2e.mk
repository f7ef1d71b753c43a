# issue 7 end to end (tests/integration/test-mda-*): winnow-mda behind a
# real Postfix (local(8) mailbox_command) read back through a real
# Dovecot over IMAP; a thousand deliveries under kill -9 and 50 at once
# into one Maildir; bad input (Sieve syntax errors, INCLUDERC recursion,
# backtracking regexes, a 60 MB message, a full tmpfs, read-only
# folders). All need root (Postfix, useradd, mount) and skip without it.
# The benchmark against procmail and maildrop is bench/bench-mda.py.
TESTS += tests/integration/test-mda-postfix.sh tests/integration/test-mda-crash.sh \
	tests/integration/test-mda-bad.sh
EXTRA_DIST += tests/integration/test-mda-postfix.sh tests/integration/test-mda-postfix.py \
	tests/integration/test-mda-crash.sh tests/integration/test-mda-crash.py \
	tests/integration/test-mda-bad.sh tests/integration/test-mda-bad.py \
	tests/integration/mdalib.py bench/bench-mda.py
