# error: err-require-late.sieve:3:1: require: must come before any other command, at the top level
keep;
require "fileinto";
