/* Targets for many replays: driver folders in version order, and the
 * names targets go by in reports and manifests (runner.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ddirr/error.h"
#include "runner_internal.h"

int ddirr_version_compare(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *x = a, *y = b;
			size_t lx, ly;
			int c;

			while (*x == '0' && isdigit((unsigned char)x[1]))
				x++;
			while (*y == '0' && isdigit((unsigned char)y[1]))
				y++;
			for (a = x; isdigit((unsigned char)*a); a++)
				;
			for (b = y; isdigit((unsigned char)*b); b++)
				;
			lx = (size_t)(a - x);
			ly = (size_t)(b - y);
			if (lx != ly)
				return lx < ly ? -1 : 1;
			if ((c = strncmp(x, y, lx)))
				return c < 0 ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

void ddirr_target_name(char *buf, size_t size, const char *target)
{
	const char *path = target, *base;
	size_t n;

	if (!strncmp(path, "driver:", 7))
		path += 7;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!strncmp(base, "lib", 3) && strlen(base) > 6)
		base += 3;
	n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".so"))
		n -= 3;
	snprintf(buf, size, "%.*s", (int)n, base);
}

static int by_version(const void *a, const void *b)
{
	return ddirr_version_compare(*(char *const *)a, *(char *const *)b);
}

static int push(char ***list, size_t *n, size_t *cap, const char *prefix, const char *dir, const char *name)
{
	size_t len = strlen(prefix) + (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
	char *s;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **l = realloc(*list, c * sizeof(*l));

		if (!l)
			return ddirr_error_set(DDIRR_ENOMEM, "out of memory listing targets");
		*list = l;
		*cap = c;
	}
	if (!(s = malloc(len)))
		return ddirr_error_set(DDIRR_ENOMEM, "out of memory listing targets");
	snprintf(s, len, "%s%s%s%s", prefix, dir ? dir : "", dir ? "/" : "", name);
	(*list)[(*n)++] = s;
	return 0;
}

/* The *.so files of dir, in version order. */
static int list_dir(char ***list, size_t *n, size_t *cap, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t k = 0, kc = 0, i;
	int rc = 0;

	if (!d)
		return ddirr_error_set(DDIRR_EIO, "%s: %s", dir, strerror(errno));
	while (!rc && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 3 && !strcmp(e->d_name + len - 3, ".so"))
			rc = push(&names, &k, &kc, "", NULL, e->d_name);
	}
	closedir(d);
	if (!rc && !k)
		rc = ddirr_error_set(DDIRR_EINVAL, "%s: no driver (*.so) in this folder", dir);
	if (!rc)
		qsort(names, k, sizeof(*names), by_version);
	for (i = 0; !rc && i < k; i++)
		rc = push(list, n, cap, "driver:", dir, names[i]);
	ddirr_target_list_free(names, k);
	return rc;
}

int ddirr_target_list(char ***out, size_t *n, const char *const *args, size_t n_args)
{
	char **list = NULL;
	size_t k = 0, cap = 0, i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; !rc && i < n_args; i++) {
		const char *a = args[i];
		const char *path = !strncmp(a, "driver:", 7) ? a + 7 : a;
		struct stat st;

		if (!strcmp(a, "model"))
			rc = push(&list, &k, &cap, "", NULL, "model");
		else if (stat(path, &st))
			rc = ddirr_error_set(DDIRR_EINVAL, "%s: %s (a driver, a folder of drivers, or model)", path,
					     strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = list_dir(&list, &k, &cap, path);
		else
			rc = push(&list, &k, &cap, "driver:", NULL, path);
	}
	if (rc) {
		ddirr_target_list_free(list, k);
		return rc;
	}
	*out = list;
	*n = k;
	return 0;
}

void ddirr_target_list_free(char **list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}
