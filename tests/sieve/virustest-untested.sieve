# message: plain.eml
# expect: fileinto V0
require ["virustest", "fileinto"];
if virustest :is "0" { fileinto "V0"; }
