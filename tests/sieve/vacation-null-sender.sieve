# crosscheck: no (sieve-test cannot take the null sender: -f "" is refused)
# from: <>
# expect: keep
require "vacation";
vacation "away";
