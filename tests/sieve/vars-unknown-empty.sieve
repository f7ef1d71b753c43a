# expect: discard
require ["variables"];
if string :is "[${nope}]" "[]" { discard; }
