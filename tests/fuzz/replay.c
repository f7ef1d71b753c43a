/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput over every file
 * of its corpus (tests/fuzz/corpus/<target>/, crashes included) without
 * libFuzzer, so `make check` replays every case in every build,
 * sanitizer builds included. Arguments: files or directories; with none,
 * the target's own corpus directory.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned int replay_count;

/* Prefixes tried per file: every one of a short input, an even spread
   of a long one. */
#define REPLAY_PREFIXES 256

/* The input cut short after each byte (or a spread of cuts for a long
   one), each in a buffer of exactly that size so that a parser reading
   past the end it was given is caught by ASan: what a message, script
   or archive truncated in transit looks like. */
static void replay_prefixes(const uint8_t *data, size_t len)
{
	size_t step = len / REPLAY_PREFIXES + 1, n;

	for (n = 0; n < len; n += step) {
		uint8_t *cut = xmalloc(n > 0 ? n : 1);

		memcpy(cut, data, n);
		LLVMFuzzerTestOneInput(cut, n);
		free(cut);
	}
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			data = xrealloc(data, cap);
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	replay_prefixes(data, len);
	free(data);
	replay_count++;
	return 0;
}

static int replay_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int ret = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[4096];
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (replay_path(sub) < 0)
			ret = -1;
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	if (argc == 1) {
		char dir[4096];
		const char *top = getenv("top_srcdir");
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
			 top ? top : WN_SRCDIR, FUZZ_TARGET);
		ret = replay_path(dir);
	}
	for (i = 1; i < argc; i++) {
		if (replay_path(argv[i]) < 0)
			ret = -1;
	}
	printf("%s: replayed %u inputs\n", FUZZ_TARGET, replay_count);
	if (replay_count == 0) {
		fprintf(stderr, "%s: empty corpus\n", FUZZ_TARGET);
		return 1;
	}
	return ret < 0 ? 1 : 0;
}
