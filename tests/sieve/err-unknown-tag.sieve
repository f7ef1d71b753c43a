# error: err-unknown-tag.sieve:2:6: keep: unknown tagged argument ":foo"
keep :foo;
