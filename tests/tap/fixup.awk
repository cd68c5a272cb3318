# SPDX-License-Identifier: GPL-2.0
# Normalise one program's TAP output (see run-test): copy it, then add a
# "not ok" for a crash/timeout and for every planned test never reported.
/^ok [0-9]/ || /^not ok [0-9]/ { seen++ }
/^not ok [0-9]/ { failed++ }
/^1\.\.[0-9]+/ { if (!plan) plan = substr($1, 4) + 0 }
{ print }
END {
	if (rc == 124 || rc == 137)
		reason = "timed out after " limit " s"
	else if (rc >= 128)
		reason = "killed by signal " (rc - 128)
	else if (rc != 0 && !failed)
		reason = "exited with status " rc
	for (i = seen + 1; i <= plan; i++) {
		print "not ok " i " " name ": never reported (" (reason ? reason : "output stopped") ")"
		reason = ""
		n_missing++
	}
	if (reason != "")
		print "not ok " (seen + n_missing + 1) " " name ": " reason
	if (!plan && !seen && reason == "")
		print "not ok 1 " name ": no TAP output"
}
