# expect: discard
require "imap4flags";
setflag "\\Answered $MDNSent";
if hasflag :contains "MDN" { discard; }
