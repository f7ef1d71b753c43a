# error: err-vacation-no-reason.sieve:3:1: vacation: expects 1 positional argument, found 0
require "vacation";
vacation :days 3;
