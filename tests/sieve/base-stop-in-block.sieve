# expect: redirect s@example.net
if true { redirect "s@example.net"; stop; }
discard;
