# error: err-missing-require.sieve:2:1: command "fileinto" needs require "fileinto"
fileinto "A";
