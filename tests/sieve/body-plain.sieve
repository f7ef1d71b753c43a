# expect: discard
require "body";
if body :contains "quarterly report" { discard; }
