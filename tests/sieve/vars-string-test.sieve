# expect: discard
require ["variables"];
set "x" "abc";
if string :is "${x}" "ABC" { discard; }
