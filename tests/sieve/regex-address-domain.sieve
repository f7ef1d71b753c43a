# expect: discard
require "regex";
if address :domain :regex "to" "^example\\.(org|net)$" { discard; }
