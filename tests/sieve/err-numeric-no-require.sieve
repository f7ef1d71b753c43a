# error: err-numeric-no-require.sieve:2:23: header: comparator "i;ascii-numeric" needs require "comparator-i;ascii-numeric"
if header :comparator "i;ascii-numeric" :is "X-Count" "42" { keep; }
