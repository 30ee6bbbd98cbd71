/* The ddirr command: shared declarations of its subcommands. */
#ifndef DDIRR_CLI_H
#define DDIRR_CLI_H

/* Exit codes, documented in the README and in `ddirr --help`. */
enum {
	EXIT_OK = 0,      /* success; the trace is complete */
	EXIT_DAMAGED = 1, /* the trace is damaged or incomplete, or (check) breaks an invariant */
	EXIT_USAGE = 2,   /* a usage error, or input that cannot be read */
	EXIT_SKIP = 125   /* (replay) cannot test: git bisect's "skip" */
};

int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_bisect(int argc, char **argv);
int cmd_corpus(int argc, char **argv);

/* Prints "ddirr: <message>" on stderr and returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the library's last error on stderr as one line. */
void cli_print_error(void);

#endif
