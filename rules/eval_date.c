/*
 * eval_date.c - dates as SpamAssassin's Util::parse_rfc822_date reads
 * them, for the rules that compare Date: with Received: times. It is
 * deliberately lenient in SA's own ways (which msg_date_parse is not):
 * two- and three-digit years, out-of-range fields clamped or rolled
 * over, absurd numeric zones such as -1900 applied as written, unknown
 * zone names taken as -0000, years clamped to 1970..2037.
 *
 * Ownership: none (a stack copy of the input, bounded to 256 bytes).
 */
#include "config.h"

#define _DEFAULT_SOURCE 1
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/wn.h"
#include "rules/eval_int.h"

#define DATE_MAX_TOKENS 32

struct dtok {
	char *v[DATE_MAX_TOKENS];
	int used[DATE_MAX_TOKENS];
	size_t n;
};

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
				      "jul", "aug", "sep", "oct", "nov", "dec" };

static const struct {
	const char *name;
	int off; /* minutes east of UTC */
} zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "NDT", -150 }, { "AST", -240 }, { "ADT", -180 },
	{ "NST", -210 }, { "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 }, { "HST", -600 },
	{ "AKST", -540 }, { "AKDT", -480 }, { "HADT", -540 }, { "HAST", -600 }, { "GMT", 0 },
	{ "BST", 60 }, { "IST", 60 }, { "WET", 0 }, { "WEST", 60 }, { "CET", 60 },
	{ "CEST", 120 }, { "EET", 120 }, { "EEST", 180 }, { "MSK", 180 }, { "MSD", 240 },
	{ "MET", 60 }, { "MEZ", 60 }, { "MEST", 120 }, { "MESZ", 120 }, { "BRST", -120 },
	{ "BRT", -180 }, { "AEST", 600 }, { "AEDT", 660 }, { "ACST", 570 }, { "ACDT", 630 },
	{ "AWST", 480 }, { "NZST", 720 }, { "NZDT", 780 }, { "JST", 540 }, { "KST", 540 },
	{ "HKT", 480 }, { "SGT", 480 }, { "PHT", 480 }, { "IDT", 180 },
};

static int all_digits(const char *s, size_t lo, size_t hi)
{
	size_t n = strlen(s), i;

	if (n < lo || n > hi)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int month_of(const char *s)
{
	int i;

	for (i = 0; i < 12; i++)
		if (strcasecmp(s, months[i]) == 0)
			return i + 1;
	return 0;
}

static int is_clock(const char *s)
{
	const char *p = s;
	int d = 0;

	while (isdigit((unsigned char)*p) && d < 3)
		p++, d++;
	if (d < 1 || d > 2 || *p != ':' || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]))
		return 0;
	p += 3;
	if (*p == '\0')
		return 1;
	return p[0] == ':' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
	       p[3] == '\0';
}

/* " 25 Aug 2002 ", " Aug 25 10:00:00 2002 ", " 25 Aug 102 " in SA's order. */
static int take_date(struct dtok *t, int *dd, int *mon, int *yyyy)
{
	size_t i;

	for (i = 0; i + 2 < t->n; i++)
		if (all_digits(t->v[i], 1, 20) && month_of(t->v[i + 1]) &&
		    all_digits(t->v[i + 2], 4, 4))
			goto dmy;
	for (i = 0; i + 3 < t->n; i++) {
		if (month_of(t->v[i]) && all_digits(t->v[i + 1], 1, 20) &&
		    strchr(t->v[i + 2], ':') != NULL && all_digits(t->v[i + 3], 4, 4)) {
			*mon = month_of(t->v[i]);
			*dd = atoi(t->v[i + 1]);
			*yyyy = atoi(t->v[i + 3]);
			/* SA's pattern swallows the clock too (hour 0) */
			t->used[i] = t->used[i + 1] = t->used[i + 2] = t->used[i + 3] = 1;
			return 0;
		}
	}
	for (i = 0; i + 2 < t->n; i++)
		if (all_digits(t->v[i], 1, 20) && month_of(t->v[i + 1]) &&
		    all_digits(t->v[i + 2], 2, 3))
			goto dmy;
	return -1;
dmy:
	*dd = atoi(t->v[i]);
	*mon = month_of(t->v[i + 1]);
	*yyyy = atoi(t->v[i + 2]);
	if (strlen(t->v[i + 2]) == 2 && *yyyy < 50)
		*yyyy += 2000;
	else if (strlen(t->v[i + 2]) != 4)
		*yyyy += 1900;
	t->used[i] = t->used[i + 1] = t->used[i + 2] = 1;
	return 0;
}

static void take_clock(struct dtok *t, int *hh, int *mm, int *ss)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->used[i] || !is_clock(t->v[i]))
			continue;
		*hh = atoi(t->v[i]);
		*mm = atoi(strchr(t->v[i], ':') + 1);
		*ss = strchr(strchr(t->v[i], ':') + 1, ':') ? atoi(strrchr(t->v[i], ':') + 1) : 0;
		t->used[i] = 1;
		return;
	}
}

/* The first whole word of 2-4 capitals (optionally "-DST"), as SA's
   /\b([A-Z]{2,4}(?:-DST)?)\b/, looked up in the zone table. */
static int zone_name(const char *s, int *off_r)
{
	const char *p = s;

	for (; *p != '\0'; p++) {
		size_t n = 0, k;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (p[n] >= 'A' && p[n] <= 'Z')
			n++;
		if (n < 2 || n > 4 || isalnum((unsigned char)p[n]) || p[n] == '_')
			continue;
		for (k = 0; k < N_ELEMENTS(zones); k++) {
			if (strlen(zones[k].name) == n && strncmp(zones[k].name, p, n) == 0 &&
			    strncmp(p + n, "-DST", 4) != 0) {
				*off_r = zones[k].off;
				return 1;
			}
		}
		return 0;
	}
	return 0;
}

static int take_zone(struct dtok *t, int *off_r)
{
	char rest[256];
	size_t i, len = 0;

	for (i = 0; i < t->n; i++) {
		const char *v = t->v[i];
		if (t->used[i])
			continue;
		if ((v[0] == '+' || v[0] == '-') && all_digits(v + 1, 4, 4)) {
			int hm = atoi(v + 1);
			*off_r = (v[0] == '-' ? -1 : 1) * ((hm / 100) * 60 + hm % 100);
			return 1;
		}
	}
	for (i = 0; i < t->n && len + strlen(t->v[i]) + 2 < sizeof(rest); i++) {
		if (t->used[i])
			continue;
		rest[len++] = ' ';
		memcpy(rest + len, t->v[i], strlen(t->v[i]));
		len += strlen(t->v[i]);
	}
	rest[len] = '\0';
	return zone_name(rest, off_r);
}

static void split_tokens(char *buf, struct dtok *t)
{
	char *p = buf, *save = NULL;

	memset(t, 0, sizeof(*t));
	for (; *p != '\0'; p++)
		if (*p == ',' || isspace((unsigned char)*p))
			*p = ' ';
	/* strtok_r: filterd and `winnow check -j` parse dates on several
	   threads at once (strtok's hidden state once mixed two messages' dates) */
	for (p = strtok_r(buf, " ", &save); p != NULL && t->n < DATE_MAX_TOKENS;
	     p = strtok_r(NULL, " ", &save))
		t->v[t->n++] = p;
}

static int days_in(int mon, int y)
{
	if (mon == 4 || mon == 6 || mon == 9 || mon == 11)
		return 30;
	if (mon == 2)
		return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
	return 31;
}

int eval_sa_date(const char *s, time_t *t_r)
{
	char buf[256];
	struct dtok t;
	struct tm tm;
	int dd = 0, mon = 0, yyyy = 0, hh = 0, mm = 0, ss = 0, off = 0;
	time_t tt;

	if (s == NULL)
		return -1;
	strncpy(buf, s, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	split_tokens(buf, &t);
	if (take_date(&t, &dd, &mon, &yyyy) < 0)
		return -1;
	take_clock(&t, &hh, &mm, &ss);
	(void)take_zone(&t, &off);
	ss = ss > 59 ? 59 : ss;
	mm = mm > 59 ? 59 : mm;
	hh = hh > 23 ? 23 : hh;
	if (dd > days_in(mon, yyyy)) {
		dd = 1;
		if (++mon > 12) {
			mon = 1;
			yyyy++;
		}
	}
	yyyy = yyyy > 2037 ? 2037 : yyyy < 1970 ? 1970 : yyyy;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = yyyy - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = dd;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	tt = timegm(&tm);
	if (off > 0 && tt < (time_t)off * 60)
		tt = 0;
	else
		tt -= (time_t)off * 60;
	*t_r = tt;
	return 0;
}
