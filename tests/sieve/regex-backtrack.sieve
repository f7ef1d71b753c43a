# message: bomb.eml
# crosscheck: no
# expect: keep
# runtime-error: over its match limit
require ["regex", "fileinto"];
if header :regex "subject" "^(a|a)*(a|a)*(a|a)*b$" { fileinto "Never"; }
