/*
 * winnow.c - entry point of the `winnow` command: dispatches to the
 * subcommands.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "config.h"
#include "lib/log.h"

static void winnow_usage(FILE *f)
{
	fprintf(f,
		"usage: winnow COMMAND [options]\n"
		"commands:\n"
		"  check [-c CONF] [-o KEY=VALUE]... [--json] [-L] [-j N] [--client-ip IP] [--helo NAME]\n"
		"        [--mail-from ADDR] [--rcpt ADDR]... [PATH...]\n"
		"        score messages (stdin, files, mbox, Maildir); exit 0 ham, 1 spam\n"
		"  lint [-c CONF] [-o KEY=VALUE]...\n"
		"        check the configuration and rules; list skipped rules\n"
		"  learn [-c CONF] [-o KEY=VALUE]... --spam|--ham|--forget [--on-error]\n"
		"        [--user ADDRESS] [-j N] [PATH...]\n"
		"        train the Bayes database (stdin, files, mbox, Maildir)\n"
		"  bayes stats|expire|tokens [-c CONF] [-o KEY=VALUE]... [--user ADDRESS] [PATH...]\n"
		"        the Bayes database's counts; drop old rare tokens; a message's tokens\n"
		"  awl list [--json] | remove ADDRESS [IP] | add ADDRESS SCORE|--good|--bad | expire\n"
		"        [-c CONF] [-o KEY=VALUE]...  the auto-whitelist's entries\n"
		"  quarantine list|show|release|delete|expire|digest [-c CONF] [-o KEY=VALUE]...\n"
		"        quarantined messages: list, show, release to the MTA, delete, expire,\n"
		"        mail each recipient a digest (winnow quarantine --help for more)\n"
		"  version\n");
}

int main(int argc, char **argv)
{
	log_init("winnow", LOG_TO_STDERR);
	log_set_stderr_level(2);
	if (argc < 2) {
		winnow_usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "check") == 0)
		return cli_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "lint") == 0)
		return cli_lint(argc - 1, argv + 1);
	if (strcmp(argv[1], "learn") == 0)
		return cli_learn(argc - 1, argv + 1);
	if (strcmp(argv[1], "bayes") == 0)
		return cli_bayes(argc - 1, argv + 1);
	if (strcmp(argv[1], "awl") == 0)
		return cli_awl(argc - 1, argv + 1);
	if (strcmp(argv[1], "quarantine") == 0)
		return cli_quarantine(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("winnow %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		winnow_usage(stdout);
		return 0;
	}
	fprintf(stderr, "winnow: unknown command '%s'\n", argv[1]);
	winnow_usage(stderr);
	return EX_USAGE;
}
