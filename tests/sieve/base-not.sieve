# expect: discard
if not not true { discard; }
