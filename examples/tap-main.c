// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tap-main.c — not an example: turns an example's exit status into TAP,
 * for the test runners (tests/tap/run-test on the host, tests/vm/ in the
 * VM), which want a TAP stream.  examples/examples.mk links it into the
 * test build of each example with `-Wl,--wrap=main', so the example's own
 * object is compiled exactly as a user would compile it, and its main()
 * is reached as __real_main().
 *
 *   exit 0				ok 1 <name>
 *   exit 77, and no /dev/lwswitch	ok 1 <name> # SKIP ...
 *   anything else			not ok 1 <name> ...
 *
 * The only reason an example may skip is the missing module, so 77 with
 * /dev/lwswitch present (in the VM, say) is a failure.  A crash or a call
 * to exit() never gets here: the plan is out already, and the runners
 * count a planned test that was never reported as failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_SKIP	77

/* The example's main(), renamed by the linker. */
int __real_main(int argc, char **argv);

int __wrap_main(int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : "example";
	const char *slash = strrchr(name, '/');
	int rc, skip;

	if (slash)
		name = slash + 1;
	/* Whole lines, so that stderr never lands inside a TAP line. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..1\n");
	rc = __real_main(argc, argv);
	skip = rc == EXIT_SKIP && access("/dev/lwswitch", F_OK) &&
	       errno == ENOENT;
	if (rc == 0)
		printf("ok 1 %s\n", name);
	else if (skip)
		printf("ok 1 %s # SKIP no /dev/lwswitch (module not loaded)\n",
		       name);
	else if (rc == EXIT_SKIP)
		printf("not ok 1 %s (a skip, but /dev/lwswitch exists)\n",
		       name);
	else
		printf("not ok 1 %s (exit status %d)\n", name, rc);
	return rc == 0 || skip ? 0 : 1;
}
