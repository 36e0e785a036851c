/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON printer: ripgrep's --json messages (begin, match, context, end,
 * summary), text as {"text":..} when it is UTF-8, else {"bytes":..}. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print_int.h"

/* ---- JSON ---- */

/* Is s[0, n) UTF-8?  Strictly (RFC 3629, for JSON), or as glibc's mbrlen
 * reads it in C.UTF-8 on Debian 12 (what grep decides with): forms of up
 * to six bytes, so code points past 0x10ffff too.  Neither takes an
 * overlong form, a surrogate, or a stray or missing continuation byte. */
bool print_utf8_ok(const unsigned char *s, size_t n, bool glibc)
{
	static const uint32_t min[] = {0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000};
	size_t i = 0;
	while (i < n) {
		uint64_t w;
		if (n - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0)) {
			i += 8; /* eight ASCII bytes */
			continue;
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 :
			   c >= 0xf0 && c <= 0xf7 ? 3 : c >= 0xf8 && c <= 0xfb ? 4 :
			   c >= 0xfc && c <= 0xfd ? 5 : 0;
		if (k == 0 || (!glibc && c > 0xf4) || n - i <= k)
			return false;
		uint32_t cp = c & (0x3f >> k);
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min[k] || (cp >= 0xd800 && cp <= 0xdfff) || (!glibc && cp > 0x10ffff))
			return false;
		i += k + 1;
	}
	return true;
}

static int json_str(struct mps_buf *b, const char *s, size_t n)
{
	int rc = mps_buf_append(b, "\"", strlen("\""));
	for (size_t i = 0; !rc && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[8];
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			rc = mps_buf_append(b, e, 2);
		} else if (c == '\n') {
			rc = mps_buf_append(b, "\\n", strlen("\\n"));
		} else if (c == '\t') {
			rc = mps_buf_append(b, "\\t", strlen("\\t"));
		} else if (c == '\r') {
			rc = mps_buf_append(b, "\\r", strlen("\\r"));
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof(e), "\\u%04x", c);
			rc = mps_buf_append(b, e, 6);
		} else {
			rc = mps_buf_append(b, &s[i], 1);
		}
	}
	return rc ? rc : mps_buf_append(b, "\"", strlen("\""));
}

static int base64(struct mps_buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int rc = mps_buf_append(b, "\"", strlen("\""));
	for (size_t i = 0; !rc && i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
			     i + 2 < n ? tab[v & 63] : '='};
		rc = mps_buf_append(b, q, 4);
	}
	return rc ? rc : mps_buf_append(b, "\"", strlen("\""));
}

int mps_json_data(struct mps_buf *b, const char *s, size_t n)
{
	int rc;
	if (print_utf8_ok((const unsigned char *)s, n, false)) {
		rc = mps_buf_append(b, "{\"text\":", strlen("{\"text\":"));
		if (!rc)
			rc = json_str(b, s, n);
	} else {
		rc = mps_buf_append(b, "{\"bytes\":", strlen("{\"bytes\":"));
		if (!rc)
			rc = base64(b, (const unsigned char *)s, n);
	}
	return rc ? rc : mps_buf_append(b, "}", strlen("}"));
}

static int jprintf(struct mps_buf *b, const char *fmt, unsigned long long a, unsigned long long c)
{
	char tmp[128];
	int n = snprintf(tmp, sizeof(tmp), fmt, a, c);
	return mps_buf_append(b, tmp, (size_t)n);
}

/* The file's "begin" message. */
static int json_begin(struct mps_printer *p, const char *path)
{
	struct mps_buf *b = &p->json;
	b->len = 0;
	int rc = mps_buf_append(b, "{\"type\":\"begin\",\"data\":{\"path\":",
				strlen("{\"type\":\"begin\",\"data\":{\"path\":"));
	if (!rc)
		rc = mps_json_data(b, path, strlen(path));
	if (!rc)
		rc = mps_buf_append(b, "}}\n", strlen("}}\n"));
	if (!rc)
		rc = print_put(p, b->data, b->len);
	p->f.json_bytes += b->len;
	p->f.json_begun = true;
	return rc;
}

int print_json_line(struct mps_printer *p, const char *path, const struct mps_line *l,
		     int64_t lineno, bool selected)
{
	int rc = p->f.json_begun ? 0 : json_begin(p, path);
	if (rc)
		return rc;
	struct mps_buf *b = &p->json;
	b->len = 0;
	const char *head = selected ? "{\"type\":\"match\",\"data\":{\"path\":" :
				      "{\"type\":\"context\",\"data\":{\"path\":";
	rc = mps_buf_append(b, head, strlen(head));
	if (!rc)
		rc = mps_json_data(b, path, strlen(path));
	if (!rc)
		rc = mps_buf_append(b, ",\"lines\":", strlen(",\"lines\":"));
	/* ripgrep includes the line terminator in lines.text (a --multiline
	 * group's record may have it already) */
	bool has_nl = p->o.multiline && l->len && l->text[l->len - 1] == '\n';
	if (!rc && has_nl) {
		rc = mps_json_data(b, l->text, l->len);
	} else if (!rc) {
		char *t = malloc(l->len + 1);
		if (!t)
			return -ENOMEM;
		memcpy(t, l->text, l->len);
		t[l->len] = '\n';
		rc = mps_json_data(b, t, l->len + 1);
		free(t);
	}
	if (!rc)
		rc = jprintf(b, ",\"line_number\":%llu,\"absolute_offset\":%llu,\"submatches\":[",
			     (unsigned long long)lineno, (unsigned long long)l->offset);
	for (size_t i = 0; !rc && selected && i < l->nspans; i++) {
		if (i)
			rc = mps_buf_append(b, ",", strlen(","));
		if (!rc)
			rc = mps_buf_append(b, "{\"match\":", strlen("{\"match\":"));
		if (!rc)
			rc = mps_json_data(b, l->text + l->spans[i].start,
					   l->spans[i].end - l->spans[i].start);
		if (!rc)
			rc = jprintf(b, ",\"start\":%llu,\"end\":%llu}",
				     (unsigned long long)l->spans[i].start,
				     (unsigned long long)l->spans[i].end);
	}
	if (!rc)
		rc = mps_buf_append(b, "]}}\n", strlen("]}}\n"));
	if (!rc)
		rc = print_put(p, b->data, b->len);
	p->f.json_bytes += b->len;
	return rc;
}

int print_json_end(struct mps_printer *p, const char *path, uint64_t selected, uint64_t bytes,
		   uint64_t matches)
{
	char e[1024];
	int n = snprintf(e, sizeof(e), "{\"type\":\"end\",\"data\":{\"path\":");
	int rc = print_put(p, e, (size_t)n);
	struct mps_buf pj = {0};
	if (!rc)
		rc = mps_json_data(&pj, path, strlen(path));
	if (!rc)
		rc = print_put(p, pj.data, pj.len);
	mps_buf_release(&pj);
	n = snprintf(e, sizeof(e),
		     ",\"binary_offset\":null,\"stats\":{\"elapsed\":{\"secs\":0,"
		     "\"nanos\":0,\"human\":\"0.000000s\"},\"searches\":1,"
		     "\"searches_with_match\":%d,\"bytes_searched\":%llu,"
		     "\"bytes_printed\":%llu,\"matched_lines\":%llu,\"matches\":%llu}}}\n",
		     selected ? 1 : 0, (unsigned long long)bytes,
		     (unsigned long long)p->f.json_bytes, (unsigned long long)selected,
		     (unsigned long long)matches);
	if (!rc)
		rc = print_put(p, e, (size_t)n);
	return rc;
}

int print_json_summary(struct mps_printer *p, double elapsed)
{
	unsigned long long secs = (unsigned long long)elapsed;
	unsigned long long nanos = (unsigned long long)((elapsed - (double)secs) * 1e9);
	char tmp[1024];
	int n = snprintf(tmp, sizeof(tmp),
			 "{\"data\":{\"elapsed_total\":{\"human\":\"%.6fs\",\"nanos\":%llu,"
			 "\"secs\":%llu},\"stats\":{\"bytes_printed\":0,\"bytes_searched\":%llu,"
			 "\"elapsed\":{\"human\":\"%.6fs\",\"nanos\":%llu,\"secs\":%llu},"
			 "\"matched_lines\":%llu,\"matches\":%llu,\"searches\":%llu,"
			 "\"searches_with_match\":%llu}},\"type\":\"summary\"}\n",
			 elapsed, nanos, secs, (unsigned long long)p->t.bytes, elapsed, nanos, secs,
			 (unsigned long long)p->t.selected, (unsigned long long)p->t.matches,
			 (unsigned long long)p->t.files, (unsigned long long)p->t.files_matched);
	return print_put(p, tmp, (size_t)n);
}
