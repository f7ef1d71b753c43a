# error: err-column-tab.sieve:4:12: fileinto: unknown tagged argument ":bogus"
require "fileinto";
	if true {
		fileinto :bogus "x";
	}
