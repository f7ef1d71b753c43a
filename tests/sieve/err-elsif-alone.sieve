# error: err-elsif-alone.sieve:2:1: elsif without a preceding if
elsif true { keep; }
