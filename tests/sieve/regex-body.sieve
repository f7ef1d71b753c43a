# expect: discard
require ["regex", "body"];
if body :regex "quarterly\\s+rep(o|0)rt" { discard; }
