# expect: vacation to alice@example.com
# expect: keep
# sent: Content-Type: text/plain; charset=us-ascii
# sent: charset=us-ascii\n\nMIME away.\n
require "vacation";
vacation :mime text:
Content-Type: text/plain; charset=us-ascii

MIME away.
.
;
