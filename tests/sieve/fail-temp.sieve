# fail: Junk temp
# status: tempfail
# crosscheck: no
# runtime-error: fileinto Junk: injected failure
require "fileinto";
fileinto "Junk";
