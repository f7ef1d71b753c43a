# expect: keep (\Flagged \Seen)
require "imap4flags";
addflag "\\Flagged";
addflag "\\flagged \\Seen";
