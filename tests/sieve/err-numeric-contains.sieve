# error: err-numeric-contains.sieve:3:4: header: comparator "i;ascii-numeric" does not support :contains
require "comparator-i;ascii-numeric";
if header :comparator "i;ascii-numeric" :contains "X-Count" "4" { keep; }
