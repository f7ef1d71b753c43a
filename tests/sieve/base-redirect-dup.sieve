# expect: redirect fwd@example.net
redirect "fwd@example.net";
redirect "fwd@example.net";
