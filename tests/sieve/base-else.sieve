# expect: redirect b@example.net
if false { discard; } elsif false { discard; } else { redirect "b@example.net"; }
