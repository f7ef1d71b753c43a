# error: err-text-no-newline.sieve:3:16: text: must be followed by a line break
require "vacation";
vacation text: x
.
;
