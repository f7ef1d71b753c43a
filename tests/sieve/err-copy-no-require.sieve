# error: err-copy-no-require.sieve:3:10: fileinto: :copy needs require "copy"
require "fileinto";
fileinto :copy "A";
