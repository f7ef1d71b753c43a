# error: err-regex-no-require.sieve:2:11: header: :regex needs require "regex"
if header :regex "Subject" "x" { keep; }
