/*
 * log.c - logging to syslog (mail facility) and/or stderr (see log.h).
 */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static unsigned int log_targets = LOG_TO_STDERR;
static char log_ident[64] = "winnow";
static char log_debug_modules[256];
static int log_stderr_level = 1;

void log_init(const char *ident, unsigned int targets)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_targets = targets;
	if (targets & LOG_TO_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void log_set_debug(const char *modules)
{
	snprintf(log_debug_modules, sizeof(log_debug_modules), "%s",
		 modules != NULL ? modules : "");
	if (modules != NULL && *modules != '\0')
		log_stderr_level = 0;
}

void log_set_stderr_level(int level)
{
	log_stderr_level = level;
}

int log_debug_enabled(const char *module)
{
	const char *p = log_debug_modules;
	size_t mlen = strlen(module);

	while (*p != '\0') {
		size_t n = strcspn(p, ", ");
		if ((n == 3 && strncmp(p, "all", 3) == 0) ||
		    (n == mlen && strncmp(p, module, n) == 0))
			return 1;
		p += n;
		p += strspn(p, ", ");
	}
	return 0;
}

static void log_emit(int prio, int level, const char *prefix, const char *fmt,
		     va_list ap, int errnum) WN_PRINTF(4, 0);

static void log_emit(int prio, int level, const char *prefix, const char *fmt,
		     va_list ap, int errnum)
{
	char line[2048];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (errnum != 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(errnum));
	if (log_targets & LOG_TO_SYSLOG)
		syslog(prio, "%s%s", prefix, line);
	if ((log_targets & LOG_TO_STDERR) && level >= log_stderr_level)
		fprintf(stderr, "%s: %s%s\n", log_ident, prefix, line);
}

#define LOG_FN(fname, prio, level, prefix, use_errno)                   \
	void fname(const char *fmt, ...)                                \
	{                                                               \
		int e = errno;                                          \
		va_list ap;                                             \
		va_start(ap, fmt);                                      \
		log_emit(prio, level, prefix, fmt, ap, use_errno ? e : 0); \
		va_end(ap);                                             \
		errno = e;                                              \
	}

LOG_FN(log_info, LOG_INFO, 1, "", 0)
LOG_FN(log_warn, LOG_WARNING, 2, "warning: ", 0)
LOG_FN(log_err, LOG_ERR, 3, "error: ", 0)
LOG_FN(log_crit, LOG_CRIT, 4, "fatal: ", 0)
LOG_FN(log_warn_errno, LOG_WARNING, 2, "warning: ", 1)
LOG_FN(log_err_errno, LOG_ERR, 3, "error: ", 1)

void log_debug(const char *module, const char *fmt, ...)
{
	va_list ap;
	char prefix[80];

	if (!log_debug_enabled(module))
		return;
	snprintf(prefix, sizeof(prefix), "debug: %s: ", module);
	va_start(ap, fmt);
	log_emit(LOG_DEBUG, 0, prefix, fmt, ap, 0);
	va_end(ap);
}

char *log_escape(char *out, size_t outsz, const char *in, size_t inlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (outsz == 0)
		return out;
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		size_t need = (c < 0x20 || c >= 0x7f || c == '\\') ? 4 : 1;
		if (o + need + 4 > outsz) {
			if (outsz >= 4) {
				o = o < outsz - 4 ? o : outsz - 4;
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}
