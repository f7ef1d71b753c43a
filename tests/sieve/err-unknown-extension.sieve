# error: err-unknown-extension.sieve:2:1: require: unsupported extension "nonesuch"
require ["fileinto", "nonesuch"];
