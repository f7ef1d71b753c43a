# error: err-else-after-command.sieve:4:1: else without a preceding if
if true { keep; }
keep;
else { discard; }
