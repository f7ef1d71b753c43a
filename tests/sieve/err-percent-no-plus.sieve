# error: err-percent-no-plus.sieve:3:13: spamtest: :percent needs require "spamtestplus"
require "spamtest";
if spamtest :percent :is "0" { keep; }
