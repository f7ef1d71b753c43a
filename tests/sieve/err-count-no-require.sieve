# error: err-count-no-require.sieve:2:11: header: :count needs require "relational"
if header :count "eq" "Subject" "1" { keep; }
