# expect: vacation to alice@example.com
# expect: keep
# sent: \n\nAway.\n.dotted line\n
# sent: Away.
# not-sent: ..dotted
require "vacation";
vacation text:
Away.
..dotted line
.
;
