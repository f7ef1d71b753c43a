# error: err-flags-no-require.sieve:2:6: keep: :flags needs require "imap4flags"
keep :flags "\\Seen";
