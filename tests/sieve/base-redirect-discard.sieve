# expect: redirect x@example.net
redirect "x@example.net";
discard;
