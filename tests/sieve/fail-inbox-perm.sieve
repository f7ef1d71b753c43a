# fail: INBOX perm
# status: tempfail
# crosscheck: no
# runtime-error: keep INBOX: injected failure
keep;
