# error: err-list-for-string.sieve:3:10: fileinto: argument 1 must be a string
require "fileinto";
fileinto ["a", "b"];
