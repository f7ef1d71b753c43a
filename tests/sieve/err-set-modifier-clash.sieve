# error: err-set-modifier-clash.sieve:3:12: set: :lower conflicts with a modifier given before
require "variables";
set :upper :lower "x" "y";
