/*
 * msg_date.c - RFC 5322 3.3 date-time to UTC, with the obsolete forms of
 * 4.3 (alphabetic zones, two-digit years, comments) and the broken
 * variants real mail carries: no comma or day name, "22-Aug-2002",
 * asctime order ("Thu Aug 22 12:00:00 2002"), ISO 8601
 * ("2002-08-22T12:00:00Z"), "GMT+0200", "+02:00", missing seconds or
 * zone (taken as UTC), "a.m./p.m.".
 *
 * A token scanner, no allocation, bounded by the input length. Military
 * single-letter zones are read as +0000 (RFC 5322 4.3: they were
 * specified backwards and cannot be trusted).
 */
#include <string.h>

#include "lib/msg.h"
#include "lib/msg_int.h"

struct zone {
	const char *name;
	int minutes;
};

static const struct zone zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 }, { "wet", 0 },
	{ "bst", 60 }, { "cet", 60 }, { "met", 60 }, { "cest", 120 }, { "mest", 120 },
	{ "eet", 120 }, { "eest", 180 }, { "msk", 180 }, { "ist", 330 },
	{ "hkt", 480 }, { "sgt", 480 }, { "jst", 540 }, { "kst", 540 },
	{ "aest", 600 }, { "aedt", 660 }, { "nzst", 720 }, { "nzdt", 780 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	{ "akst", -540 }, { "akdt", -480 }, { "hst", -600 }, { "ast", -240 },
	{ "adt", -180 }, { "nst", -210 }, { "ndt", -150 },
};

static const char *const months[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

struct dt {
	int year, mon, day, hour, min, sec, zone;
	int have_year, have_mon, have_day, have_time, have_zone;
	int pm, am;
};

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long days_from_civil(long y, unsigned int m, unsigned int d)
{
	long era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* Reads up to max digits; returns the count read (0 if none). */
static size_t digits(const char *s, size_t max, int *v)
{
	size_t i = 0;
	int x = 0;

	while (i < max && is_digit((unsigned char)s[i])) {
		x = x * 10 + (s[i] - '0');
		i++;
	}
	*v = x;
	return i;
}

static void word(struct dt *d, const char *w, size_t n)
{
	char lw[8];
	size_t i;

	if (n >= sizeof(lw))
		return;
	for (i = 0; i < n; i++)
		lw[i] = (char)msgi_lc((unsigned char)w[i]);
	lw[n] = '\0';
	if (!d->have_mon && n >= 3) {
		for (i = 0; i < 12; i++) {
			if (memcmp(lw, months[i], 3) == 0) {
				d->mon = (int)i + 1;
				d->have_mon = 1;
				return;
			}
		}
	}
	if (strcmp(lw, "pm") == 0 || strcmp(lw, "p.m.") == 0) {
		d->pm = 1;
		return;
	}
	if (strcmp(lw, "am") == 0 || strcmp(lw, "a.m.") == 0) {
		d->am = 1;
		return;
	}
	if (d->have_zone)
		return;
	for (i = 0; i < N_ELEMENTS(zones); i++) {
		if (strcmp(lw, zones[i].name) == 0) {
			d->zone = zones[i].minutes;
			d->have_zone = 1;
			return;
		}
	}
	if (n == 1 && is_alpha((unsigned char)lw[0]) && d->have_time) {
		d->zone = 0; /* military */
		d->have_zone = 1;
	}
}

/* "hh:mm[:ss]" at s; returns bytes used or 0. */
static size_t time_tok(struct dt *d, const char *s)
{
	int h, m, sec = 0;
	size_t i, k;

	if ((i = digits(s, 2, &h)) == 0 || s[i] != ':')
		return 0;
	i++;
	if ((k = digits(s + i, 2, &m)) == 0)
		return 0;
	i += k;
	if (s[i] == ':' && is_digit((unsigned char)s[i + 1])) {
		i++;
		i += digits(s + i, 2, &sec);
		if (s[i] == '.' || s[i] == ',') { /* fractions */
			i++;
			while (is_digit((unsigned char)s[i]))
				i++;
		}
	}
	d->hour = h;
	d->min = m;
	d->sec = sec;
	d->have_time = 1;
	return i;
}

/* "+hhmm", "-hh:mm", "+hh" at s (a sign); returns bytes used or 0. */
static size_t zone_tok(struct dt *d, const char *s)
{
	int sign = s[0] == '-' ? -1 : 1, h, m = 0;
	size_t i = 1, k;

	k = digits(s + i, 4, &h);
	if (k == 4) {
		m = h % 100;
		h /= 100;
	} else if (k == 2 || k == 1) {
		if (s[i + k] == ':' && (digits(s + i + k + 1, 2, &m) == 2))
			k += 3;
	} else if (k != 3) {
		return 0;
	} else {
		m = h % 100;
		h /= 100;
	}
	if (h > 14 || m > 59)
		return 0;
	d->zone = sign * (h * 60 + m);
	d->have_zone = 1;
	return i + k;
}

/* "yyyy-mm-dd" (ISO 8601) or "yyyy/mm/dd"; returns bytes used or 0. */
static size_t iso_tok(struct dt *d, const char *s)
{
	int y, m, dd;
	size_t i;
	char sep;

	if (digits(s, 4, &y) != 4)
		return 0;
	sep = s[4];
	if ((sep != '-' && sep != '/') || digits(s + 5, 2, &m) != 2 || s[7] != sep ||
	    digits(s + 8, 2, &dd) != 2)
		return 0;
	d->year = y;
	d->mon = m;
	d->day = dd;
	d->have_year = d->have_mon = d->have_day = 1;
	i = 10;
	if (s[i] == 'T' || s[i] == 't')
		i++;
	return i;
}

static void number(struct dt *d, int v, size_t ndig)
{
	if (ndig >= 3 || (d->have_day && !d->have_year) || v > 31) {
		if (!d->have_year) {
			d->year = v;
			if (ndig <= 2)
				d->year += v < 50 ? 2000 : 1900;
			else if (v < 1000)
				d->year += 1900; /* "102" and "0102": tm_year printed raw */
			d->have_year = 1;
		}
	} else if (!d->have_day) {
		d->day = v;
		d->have_day = 1;
	}
}

static int scan(const char *s, struct dt *d)
{
	size_t i = 0, n = strlen(s), k;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '(') {
			int depth = 0;
			for (; i < n; i++) {
				if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
			i++;
			continue;
		}
		if (is_digit(c)) {
			int v;
			if (!d->have_year && (k = iso_tok(d, s + i)) > 0) {
				i += k;
				continue;
			}
			if (!d->have_time && (k = time_tok(d, s + i)) > 0) {
				i += k;
				continue;
			}
			k = digits(s + i, 9, &v);
			while (is_digit((unsigned char)s[i + k]))
				k++;
			number(d, v, k);
			i += k;
			continue;
		}
		if ((c == '+' || c == '-') && d->have_time && !d->have_zone &&
		    is_digit((unsigned char)s[i + 1]) && (k = zone_tok(d, s + i)) > 0) {
			i += k;
			continue;
		}
		if (is_alpha(c)) {
			k = i;
			while (k < n && (is_alpha((unsigned char)s[k]) || s[k] == '.'))
				k++;
			/* "GMT+0200": the offset is the zone, not GMT. */
			if (k - i == 3 && msgi_prefix_ci(s + i, 3, "gmt") && d->have_time &&
			    (s[k] == '+' || s[k] == '-') && is_digit((unsigned char)s[k + 1])) {
				size_t z = zone_tok(d, s + k);
				if (z > 0) {
					i = k + z;
					continue;
				}
			}
			{
				size_t wl = k - i;
				while (wl > 0 && s[i + wl - 1] == '.' && !(wl == 4 && s[i + 1] == '.'))
					wl--;
				word(d, s + i, wl);
			}
			i = k;
			continue;
		}
		i++;
	}
	return d->have_year && d->have_mon && d->have_day ? 0 : -1;
}

int msg_date_parse(const char *value, time_t *t_r)
{
	struct dt d;
	long days;
	long long t;
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (value == NULL)
		return -1;
	memset(&d, 0, sizeof(d));
	if (scan(value, &d) < 0)
		return -1;
	if (d.pm && d.hour < 12)
		d.hour += 12;
	else if (d.am && d.hour == 12)
		d.hour = 0;
	if (d.mon < 1 || d.mon > 12 || d.day < 1 || d.day > mdays[d.mon - 1] ||
	    d.year < 1970 || d.year > 9999 || d.hour > 24 || d.min > 59 || d.sec > 60)
		return -1;
	days = days_from_civil(d.year, (unsigned int)d.mon, (unsigned int)d.day);
	t = (long long)days * 86400 + d.hour * 3600 + d.min * 60 + d.sec -
	    (long long)d.zone * 60;
	if (t < 0)
		return -1;
	*t_r = (time_t)t;
	return 0;
}
