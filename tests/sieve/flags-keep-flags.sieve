# expect: keep (\Draft)
require "imap4flags";
setflag "\\Seen";
keep :flags "\\Draft";
