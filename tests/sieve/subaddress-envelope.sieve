# to: bob+lists@example.org
# expect: fileinto lists
require ["subaddress", "envelope", "fileinto", "variables"];
if envelope :detail :matches "to" "*" { fileinto "${1}"; }
