# expect: fileinto Lists/dev
require "fileinto";
fileinto "Lists/dev";
