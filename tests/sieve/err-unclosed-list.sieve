# error: err-unclosed-list.sieve:2:32: expected ',' or ']', found string
if header :is ["Subject", "To" "x" { keep; }
