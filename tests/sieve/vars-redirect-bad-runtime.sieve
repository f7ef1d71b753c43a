# crosscheck: no (Pigeonhole also fails at run time; it reports no actions)
# expect: keep
# runtime-error: vars-redirect-bad-runtime.sieve:7:1: redirect: bad address "not an address"
require ["variables", "fileinto"];
set "to" "not an address";
fileinto "Before";
redirect "${to}";
