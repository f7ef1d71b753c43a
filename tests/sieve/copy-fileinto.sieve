# expect: fileinto Archive
# expect: keep
require ["fileinto", "copy"];
fileinto :copy "Archive";
