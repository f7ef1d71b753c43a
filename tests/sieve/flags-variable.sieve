# expect: fileinto F (\Seen \Flagged)
require ["imap4flags", "variables", "fileinto"];
setflag "mine" "\\Seen";
addflag "mine" "\\Flagged";
if hasflag :is "mine" "\\Flagged" { fileinto :flags "${mine}" "F"; }
