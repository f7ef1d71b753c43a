# error: err-require-in-block.sieve:3:3: require: must come before any other command, at the top level
if true {
  require "fileinto";
}
