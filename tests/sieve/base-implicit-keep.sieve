# expect: keep
# nothing to do
