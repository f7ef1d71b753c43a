# expect: redirect big@example.net
# expect: redirect small@example.net
if size :over 100 { redirect "big@example.net"; }
if size :under 1K { redirect "small@example.net"; }
if size :over 1M { discard; }
