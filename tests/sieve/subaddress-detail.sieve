# expect: discard
require "subaddress";
if address :detail "cc" "work" { discard; }
