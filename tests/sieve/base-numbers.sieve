# expect: redirect k@example.net
# expect: redirect z@example.net
if size :under 1k { redirect "k@example.net"; }
if size :over 0 { redirect "z@example.net"; }
