# error: err-two-comparators.sieve:2:33: header: more than one comparator
if header :comparator "i;octet" :comparator "i;octet" "Subject" "x" { keep; }
