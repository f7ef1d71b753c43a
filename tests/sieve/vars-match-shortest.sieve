# message: list.eml
# expect: fileinto dev-list|Release 1.0 is out
require ["variables", "fileinto"];
if header :matches "Subject" "[*] *" { fileinto "${1}|${2}"; }
