# expect: keep
require "regex";
if header :regex :comparator "i;octet" "subject" "^hello" { discard; }
