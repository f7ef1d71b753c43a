# error: err-relational-op.sieve:3:18: header: unknown relational operator "xx"
require "relational";
if header :value "xx" "Subject" "x" { keep; }
