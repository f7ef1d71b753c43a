# expect: fileinto A
# expect: fileinto B
require "fileinto";
fileinto "A";
fileinto "A";
fileinto "B";
