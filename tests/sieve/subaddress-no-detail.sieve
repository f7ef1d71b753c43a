# expect: keep
require "subaddress";
if address :detail :matches "from" "*" { discard; }
