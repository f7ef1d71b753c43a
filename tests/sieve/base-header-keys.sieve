# expect: discard
if header :contains "Subject" ["foo", "bar", "WORLD"] { discard; }
