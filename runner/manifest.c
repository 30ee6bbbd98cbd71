/* The corpus manifest (runner.h): a tab-separated table of the traces, how
 * they were captured, and the verdict each should get against each target.
 * Kept as lines, so that saving it back changes only the cells set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddirr/error.h"
#include "runner_internal.h"

#define MAX_COLUMNS 64

typedef struct row {
	char *line;               /* a comment or blank line: kept as it is */
	char *cell[MAX_COLUMNS];  /* a table row: its cells (owned) */
	size_t n;
} row;

struct ddirr_manifest {
	row *rows;
	size_t n_rows, cap_rows;
	size_t header;  /* index of the header row */
	int has_header;
};

static void row_free(row *r)
{
	size_t i;

	free(r->line);
	for (i = 0; i < r->n; i++)
		free(r->cell[i]);
}

void ddirr_manifest_free(ddirr_manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n_rows; i++)
		row_free(&m->rows[i]);
	free(m->rows);
	free(m);
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int split(row *r, const char *line, const char *path, size_t lineno)
{
	const char *p = line;

	for (;;) {
		size_t len = strcspn(p, "\t");

		if (r->n == MAX_COLUMNS)
			return ddirr_error_set(DDIRR_EINVAL, "%s:%zu: more than %d columns", path, lineno, MAX_COLUMNS);
		if (!(r->cell[r->n++] = dup_n(p, len)))
			return ddirr_error_set(DDIRR_ENOMEM, "out of memory reading %s", path);
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int ddirr_manifest_load(ddirr_manifest **out, const char *path)
{
	FILE *f = fopen(path, "r");
	ddirr_manifest *m;
	char line[4096];
	size_t lineno = 0;
	int rc = 0;

	*out = NULL;
	if (!f)
		return ddirr_error_set(DDIRR_EIO, "%s: %s", path, strerror(errno));
	if (!(m = calloc(1, sizeof(*m)))) {
		fclose(f);
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory reading %s", path);
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		row *r;

		lineno++;
		if (len && line[len - 1] != '\n' && !feof(f)) {
			rc = ddirr_error_set(DDIRR_EINVAL, "%s:%zu: line too long", path, lineno);
			break;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (m->n_rows == m->cap_rows) {
			size_t cap = m->cap_rows ? m->cap_rows * 2 : 32;
			row *n = realloc(m->rows, cap * sizeof(*n));

			if (!n) {
				rc = ddirr_error_set(DDIRR_ENOMEM, "out of memory reading %s", path);
				break;
			}
			m->rows = n;
			m->cap_rows = cap;
		}
		r = &m->rows[m->n_rows++];
		memset(r, 0, sizeof(*r));
		if (!len || line[0] == '#') {
			if (!(r->line = dup_n(line, len)))
				rc = ddirr_error_set(DDIRR_ENOMEM, "out of memory reading %s", path);
			continue;
		}
		if ((rc = split(r, line, path, lineno)))
			break;
		if (!m->has_header) {
			if (strcmp(r->cell[0], "trace")) {
				rc = ddirr_error_set(DDIRR_EINVAL, "%s:%zu: the first row must be the header (trace\\t...)",
						     path, lineno);
				break;
			}
			m->has_header = 1;
			m->header = m->n_rows - 1;
		} else if (r->n != m->rows[m->header].n) {
			rc = ddirr_error_set(DDIRR_EINVAL, "%s:%zu: %zu cells, the header has %zu", path, lineno, r->n,
					     m->rows[m->header].n);
		}
	}
	fclose(f);
	if (!rc && !m->has_header)
		rc = ddirr_error_set(DDIRR_EINVAL, "%s: no header row (trace\\t...)", path);
	if (rc) {
		ddirr_manifest_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

static long column(const ddirr_manifest *m, const char *name)
{
	const row *h = &m->rows[m->header];
	size_t i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->cell[i], name))
			return (long)i;
	return -1;
}

static row *find(const ddirr_manifest *m, const char *trace)
{
	const char *base = strrchr(trace, '/');
	size_t i;

	base = base ? base + 1 : trace;
	for (i = 0; i < m->n_rows; i++)
		if (!m->rows[i].line && i != m->header && !strcmp(m->rows[i].cell[0], base))
			return &m->rows[i];
	return NULL;
}

const char *ddirr_manifest_get(const ddirr_manifest *m, const char *trace, const char *name)
{
	const row *r = find(m, trace);
	long c = column(m, name);

	return r && c >= 0 ? r->cell[c] : NULL;
}

int ddirr_manifest_expect(const ddirr_manifest *m, const char *trace, const char *target)
{
	const char *v = ddirr_manifest_get(m, trace, target);

	return v ? ddirr_run_verdict_lookup(v) : -1;
}

int ddirr_manifest_set(ddirr_manifest *m, const char *trace, const char *target, int verdict)
{
	const char *name = ddirr_run_verdict_name(verdict);
	row *r = find(m, trace);
	long c = column(m, target);
	char *v;

	if (!r || !name)
		return ddirr_error_set(DDIRR_EINVAL, "manifest: no row for %s", trace);
	if (c < 0) {
		/* A new target: a column of its own, empty in every row. */
		size_t i;

		if (m->rows[m->header].n == MAX_COLUMNS)
			return ddirr_error_set(DDIRR_EINVAL, "manifest: more than %d columns", MAX_COLUMNS);
		for (i = 0; i < m->n_rows; i++) {
			row *x = &m->rows[i];

			if (x->line)
				continue;
			if (!(x->cell[x->n++] = dup_n(i == m->header ? target : "", strlen(i == m->header ? target : ""))))
				return ddirr_error_set(DDIRR_ENOMEM, "out of memory");
		}
		c = column(m, target);
	}
	if (!(v = dup_n(name, strlen(name))))
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory");
	free(r->cell[c]);
	r->cell[c] = v;
	return 0;
}

int ddirr_manifest_save(const ddirr_manifest *m, const char *path)
{
	char tmp[4096];
	FILE *f;
	size_t i, k;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "w")))
		return ddirr_error_set(DDIRR_EIO, "%s: %s", tmp, strerror(errno));
	for (i = 0; i < m->n_rows; i++) {
		const row *r = &m->rows[i];

		if (r->line) {
			fprintf(f, "%s\n", r->line);
			continue;
		}
		for (k = 0; k < r->n; k++)
			fprintf(f, "%s%s", k ? "\t" : "", r->cell[k]);
		fputc('\n', f);
	}
	if (fclose(f) || rename(tmp, path))
		return ddirr_error_set(DDIRR_EIO, "%s: %s", path, strerror(errno));
	return 0;
}
