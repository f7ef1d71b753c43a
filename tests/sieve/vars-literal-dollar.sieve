# expect: fileinto a${b
require ["variables", "fileinto"];
fileinto "a${b";
