# SPDX-License-Identifier: GPL-2.0
# Splits the VM's results channel (ttyS1, see init) into OUT/KIND.NAME
# files, one per begin/end block, and writes the markers it saw to
# OUT/status, one a line:
#   boot RELEASE | begin KIND NAME | end KIND NAME RC SECONDS |
#   skip KIND NAME REASON... | done
# The init adds a newline before each end marker, so a block's last line
# is dropped when it is empty.
# Usage: awk -v out=DIR -f split.awk serial.log
function flush_held() {
	if (held_set)
		print held > cur
	held_set = 0
}
BEGIN { status = out "/status"; printf "" > status }
{ sub(/\r$/, "") }
/^@@vm boot / { print "boot " $3 > status; next }
/^@@vm begin [a-z]+ [^ ]+$/ {
	flush_held()
	if (cur != "") close(cur)
	cur = out "/" $3 "." $4
	printf "" > cur
	print "begin " $3 " " $4 > status
	next
}
/^@@vm end [a-z]+ [^ ]+ [0-9]+ [0-9]+$/ {
	if (held_set && held != "")
		flush_held()
	held_set = 0
	if (cur != "") close(cur)
	cur = ""
	print "end " $3 " " $4 " " $5 " " $6 > status
	next
}
/^@@vm skip / { print substr($0, 6) > status; next }
/^@@vm done$/ { print "done" > status; next }
cur != "" { flush_held(); held = $0; held_set = 1 }
END { flush_held() }
