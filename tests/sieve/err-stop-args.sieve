# error: err-stop-args.sieve:2:6: stop: too many arguments
stop "x";
