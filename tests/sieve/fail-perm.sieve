# fail: Junk perm
# crosscheck: no
# expect: keep
# runtime-error: fileinto Junk: injected failure
require "fileinto";
fileinto "Junk";
