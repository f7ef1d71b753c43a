# expect: fileinto example.com/alice
require ["regex", "variables", "fileinto"];
if address :regex "from" "^([^@]+)@(.+)$" { fileinto "${2}/${1}"; }
