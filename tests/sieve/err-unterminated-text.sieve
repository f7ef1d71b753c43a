# error: err-unterminated-text.sieve:3:10: unterminated text: literal (no line with a single '.')
require "vacation";
vacation text:
never ends
