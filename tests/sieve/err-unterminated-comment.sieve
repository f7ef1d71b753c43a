# error: err-unterminated-comment.sieve:2:7: unterminated comment
keep; /* no end
