# expect: redirect fwd@example.net
# expect: keep
redirect "fwd@example.net";
keep;
