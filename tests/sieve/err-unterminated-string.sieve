# error: err-unterminated-string.sieve:2:25: unterminated string
if header :is "Subject" "oops { keep; }
