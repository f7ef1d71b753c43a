# expect: redirect h@example.net
# expect: keep (\Seen $Label1)
require ["imap4flags", "copy"];
addflag ["\\Seen", "$Label1"];
if hasflag :is "$label1" { redirect :copy "h@example.net"; }
if hasflag :is "\\Deleted" { discard; }
