# error: err-days-no-number.sieve:3:16: vacation: :days needs a number after it
require "vacation";
vacation :days "3" "x";
