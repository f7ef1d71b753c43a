# message: virus.eml
# expect: fileinto V5
require ["virustest", "fileinto"];
if virustest :is "5" { fileinto "V5"; }
