# expect: discard
require "regex";
if header :regex "subject" "^hel+o w.rld$" { discard; }
