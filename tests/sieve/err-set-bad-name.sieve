# error: err-set-bad-name.sieve:3:1: set: bad variable name "1x"
require "variables";
set "1x" "y";
