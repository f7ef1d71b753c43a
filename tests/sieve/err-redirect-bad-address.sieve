# error: err-redirect-bad-address.sieve:2:1: redirect: bad address "not an address"
redirect "not an address";
