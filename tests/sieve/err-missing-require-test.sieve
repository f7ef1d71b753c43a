# error: err-missing-require-test.sieve:2:4: test "envelope" needs require "envelope"
if envelope :is "from" "a@b.c" { keep; }
