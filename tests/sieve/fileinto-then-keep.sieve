# expect: fileinto Junk
# expect: keep
require "fileinto";
fileinto "Junk";
keep;
