# expect: fileinto A
require "fileinto";
fileinto "A";
stop;
fileinto "B";
