# cli/: the winnow command.
bin_PROGRAMS += winnow
winnow_SOURCES = cli/winnow.c cli/cli.h cli/conf.c cli/check.c cli/lint.c \
	cli/learn.c cli/bayes.c cli/awl.c cli/quarantine.c
winnow_LDADD = $(WN_LIBS_ALL)
