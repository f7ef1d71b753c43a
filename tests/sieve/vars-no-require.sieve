# expect: fileinto ${x}
require "fileinto";
fileinto "${x}";
