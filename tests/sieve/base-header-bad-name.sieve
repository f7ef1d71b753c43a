# expect: keep
# A name no field can have parses (as in Pigeonhole) and never matches.
if header :contains ["Sub ject", "Subject:"] "Hello" { discard; }
if exists "X-Bad:" { discard; }
