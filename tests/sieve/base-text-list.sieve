# expect: discard
if header :contains "Subject" [text:
nothing
.
, "world"] { discard; }
