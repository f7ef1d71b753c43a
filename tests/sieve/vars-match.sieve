# expect: fileinto x-Hello-world-Hello world
require ["variables", "fileinto"];
if header :matches "Subject" "* *" { fileinto "x-${1}-${2}-${0}"; }
