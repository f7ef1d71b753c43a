# error: err-two-match-types.sieve:2:15: header: more than one match type
if header :is :contains "Subject" "x" { keep; }
