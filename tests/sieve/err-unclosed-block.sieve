# error: err-unclosed-block.sieve:4:1: end of script inside a block: expected '}'
if true {
  keep;
