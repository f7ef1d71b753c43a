# message: spam.eml
# expect: fileinto Junk (\Seen)
require ["fileinto", "imap4flags", "variables", "envelope", "subaddress", "relational",
         "comparator-i;ascii-numeric", "spamtest", "virustest", "copy", "regex", "body"];
# quarantine viruses, junk spam, sort lists, flag the boss
if virustest :value "ge" :comparator "i;ascii-numeric" "4" {
    fileinto "Quarantine";
    stop;
}
if spamtest :value "ge" :comparator "i;ascii-numeric" "7" {
    fileinto :flags "\\Seen" "Junk";
    stop;
}
if header :matches "List-Id" "*<*.lists.example.net>" {
    fileinto "Lists/${2}";
    stop;
}
if address :is "from" "boss@example.com" {
    addflag "\\Flagged";
}
if envelope :detail "to" "archive" {
    fileinto :copy "Archive";
}
