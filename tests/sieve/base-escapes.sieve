# expect: keep
if header :is "Subject" "Hel\\lo\\ wor\\ld" { discard; }
if header :is "Subject" "\\\"quoted\\\"" { redirect "q@example.net"; }
