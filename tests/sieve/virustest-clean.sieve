# message: clean.eml
# expect: fileinto V1
require ["virustest", "fileinto"];
if virustest :is "1" { fileinto "V1"; }
