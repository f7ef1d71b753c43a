# expect: keep (\Flagged $Work)
require "imap4flags";
setflag "\\Seen";
addflag ["\\Flagged", "$Work"];
removeflag "\\Seen";
keep;
