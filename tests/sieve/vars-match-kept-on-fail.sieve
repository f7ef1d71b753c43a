# expect: fileinto Hell
require ["variables", "fileinto"];
if header :matches "Subject" "*o*" { }
if header :matches "Subject" "zzz*" { }
fileinto "${1}";
