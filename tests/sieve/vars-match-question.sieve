# expect: fileinto e world
require ["variables", "fileinto"];
if header :matches "Subject" "H?llo*" { fileinto "${1}${2}"; }
