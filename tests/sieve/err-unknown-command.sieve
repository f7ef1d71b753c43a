# error: err-unknown-command.sieve:2:1: unknown command "frobnicate"
frobnicate;
