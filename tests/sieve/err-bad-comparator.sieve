# error: err-bad-comparator.sieve:2:23: header: unknown comparator "i;nope"
if header :comparator "i;nope" :is "Subject" "x" { keep; }
