# SPDX-License-Identifier: GPL-2.0
#
# kdoc2man.awk — turn the output of `kernel-doc -man -function NAME' (one
# item: a function, macro, struct, enum, typedef or DOC: block) into a
# section-3 page of its own (mode=page) or into a part of a hand-written
# page (mode=part, man/mkman's templates).  Run by man/mkman, which sets:
#
#   mode     page | part
#   style    part only: ss (a .SS subsection), tp (a .TP item), body (the
#            text alone, for DOC: blocks)
#   sec      page only: the section, 3 or 3type
#   date, source, manual   the .TH fields
#   include  page only: the header the SYNOPSIS includes
#   header   the header the item is declared in: a struct's or enum's
#            declaration is copied from it, as it is
#   pages    the names of the section-3 pages, space-separated ("name"
#            for name.3, "name.3type" for the others): references to them
#            become links
#
# What kernel-doc's man output is not, and this makes it: section 3 (not
# 9), a SYNOPSIS with its #include and the prototype on one line, "RETURN
# VALUE", each errno of a list (a line "-EFOO  text", two spaces or more
# after the name) a .TP item, func() references as func(3) or func(),
# *emphasis* in italics, and a SEE ALSO of the pages referred to.

function fail(msg) {
	print "kdoc2man: " msg > "/dev/stderr"
	failed = 1
	exit 1
}

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

# A capital for the first word of a sentence, unless it is a name (a
# function, a field: lwsw_co_start(), stack_size).
function ucfirst(s) {
	if (s ~ /^[a-z]+([ ,.;:'-]|$)/)
		return toupper(substr(s, 1, 1)) substr(s, 2)
	return s
}

# roff-safe text for a line of our own making.
function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	return s
}

# Quote a .B/.BI argument.
function q(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	gsub(/"/, "\"\"", s)
	return "\"" s "\""
}

# A purpose line (kernel-doc leaves it as written): @name in italics, or,
# for a NAME line, plain.
function purpose_text(s, plain,    out, name) {
	s = esc(s)
	out = ""
	while (match(s, /@[A-Za-z_][A-Za-z0-9_]*/)) {
		name = substr(s, RSTART + 1, RLENGTH - 1)
		out = out substr(s, 1, RSTART - 1) (plain ? name : "\\fI" name "\\fP")
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

function addref(r) {
	if (r == selfref || (r in seen))
		return
	seen[r] = 1
	refs[++nrefs] = r
}

# The body of a section, from kernel-doc's man text to ours.
function convert(t, kind,    out, n, i, l, lines, r, name, pre, post, brk,
		  started) {
	# func() references: kernel-doc leaves \fBfunc\fP.
	out = ""
	while (match(t, /\\fB[A-Za-z_][A-Za-z0-9_]*\\fP/)) {
		name = substr(t, RSTART + 3, RLENGTH - 6)
		out = out substr(t, 1, RSTART - 1)
		if ((name in page3) && name != self) {
			out = out "\\fB" name "\\fP(3)"
			addref(name "(3)")
		} else {
			out = out "\\fB" name "\\fP()"
		}
		t = substr(t, RSTART + RLENGTH)
	}
	t = out t
	# Structures with a page of their own.
	out = ""
	while (match(t, /struct lwsw_[a-z0-9_]+/)) {
		name = substr(t, RSTART + 7, RLENGTH - 7)
		if (((name ".3type") in page3) && name != self)
			addref(name "(3type)")
		out = out substr(t, 1, RSTART + RLENGTH - 1)
		t = substr(t, RSTART + RLENGTH)
	}
	t = out t
	# *emphasis*, also across a line break.
	out = ""
	while (match(t, /(^|[ (\n])\*[A-Za-z][^*]*[A-Za-z]\*([ .,;:)\n]|$)/)) {
		pre = substr(t, RSTART, RLENGTH)
		out = out substr(t, 1, RSTART - 1)
		t = substr(t, RSTART + RLENGTH)
		lead = substr(pre, 1, 1) == "*" ? "" : substr(pre, 1, 1)
		post = substr(pre, length(pre), 1)
		if (post == "*") {
			post = ""
			pre = substr(pre, length(lead) + 2, length(pre) - length(lead) - 2)
		} else {
			pre = substr(pre, length(lead) + 2, length(pre) - length(lead) - 3)
		}
		out = out lead "\\fI" pre "\\fP" post
	}
	t = out t
	# Minus signs of errno values.
	out = ""
	while (match(t, /(^|[^\\A-Za-z0-9_])-(E[A-Z0-9]|errno)/)) {
		out = out substr(t, 1, RSTART - 1)
		if (substr(t, RSTART, 1) == "-")
			out = out "\\-"
		else
			out = out substr(t, RSTART, 1) "\\-"
		t = substr(t, RSTART + (substr(t, RSTART, 1) == "-" ? 1 : 2))
	}
	t = out t

	out = ""
	brk = 0
	started = 0
	n = split(t, lines, "\n")
	for (i = 1; i <= n; i++) {
		l = lines[i]
		if (l == "") {
			brk = started
			continue
		}
		if (brk) {
			out = out (style == "tp" && mode == "part" ? ".IP" : ".PP") "\n"
			brk = 0
		}
		started = 1
		if (match(l, /^\.IP "[^"]*" 12$/)) {
			name = substr(l, 6, length(l) - 9)
			out = out ".TP\n" (kind == "constants" ? ".B " : ".I ") name "\n"
			continue
		}
		if (match(l, /^(\\-)?(E[A-Z0-9]+|errno)(  +|\t)/)) {
			name = trim(substr(l, 1, RLENGTH))
			out = out ".TP\n.B " name "\n"
			l = trim(substr(l, RLENGTH + 1))
			if (l == "")
				continue
		}
		if (substr(l, 1, 1) == "'")
			l = "\\&" l
		out = out l "\n"
	}
	return out
}

# The prototype of a function, from kernel-doc's SYNOPSIS lines:
#   .B "TYPE" NAME
#   .BI "(PARAM "  ","      (one per parameter; the last ends ");")
function prototype(t,    n, i, lines, l, rtype, fname, np, p, params, bold,
		    it, line, head, indent, total, segs, s) {
	n = split(t, lines, "\n")
	np = 0
	for (i = 1; i <= n; i++) {
		l = lines[i]
		if (match(l, /^\.B "[^"]*" /)) {
			rtype = substr(l, 5, RLENGTH - 6)
			fname = trim(substr(l, RLENGTH + 1))
		} else if (match(l, /^\.BI "/)) {
			p = substr(l, 6)
			sub(/"  ".*$/, "", p)
			sub(/^\(/, "", p)
			params[++np] = trim(p)
		}
	}
	if (fname == "")
		fail(self ": no prototype in kernel-doc's SYNOPSIS")
	head = rtype (rtype ~ /\*$/ ? "" : " ") fname "("
	# Each parameter: bold type, italic name, bold rest.
	total = length(head)
	for (i = 1; i <= np; i++) {
		p = params[i]
		if (p == "void" || p == "...") {
			pbold[i] = p; pname[i] = ""; prest[i] = ""
		} else if (match(p, /\(\*[A-Za-z_][A-Za-z0-9_]*\)/)) {
			pbold[i] = substr(p, 1, RSTART + 1)
			pname[i] = substr(p, RSTART + 2, RLENGTH - 3)
			prest[i] = substr(p, RSTART + RLENGTH - 1)
		} else if (match(p, /[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?$/)) {
			pbold[i] = substr(p, 1, RSTART - 1)
			pname[i] = substr(p, RSTART)
			prest[i] = ""
			if (match(pname[i], /\[/)) {
				prest[i] = substr(pname[i], RSTART)
				pname[i] = substr(pname[i], 1, RSTART - 1)
			}
		} else {
			fail(self ": cannot read parameter '" p "'")
		}
		total += length(p) + 2
	}
	indent = ""
	if (total > 72)
		for (i = 1; i <= length(head); i++)
			indent = indent " "
	# .BI lines alternate bold and italic; a line per parameter when the
	# whole prototype is long.
	out = ""
	bold = head
	line = ".BI"
	for (i = 1; i <= np; i++) {
		bold = bold pbold[i]
		if (pname[i] == "") {
			bold = bold prest[i]
		} else {
			line = line " " q(bold) " " pname[i]
			bold = prest[i]
		}
		if (i < np) {
			if (indent != "") {
				line = line " " q(bold ",")
				out = out line "\n"
				line = ".BI"
				bold = indent
			} else {
				bold = bold ", "
			}
		}
	}
	if (np == 0)
		bold = bold "void"
	line = line " " q(bold ");")
	return out line "\n"
}

# A struct's or enum's declaration, copied from @header.
function declaration(kw, name,    l, found, out, m, rest, d) {
	found = 0
	out = ""
	while ((getline l < header) > 0) {
		if (!found) {
			if (l == kw " " name " {")
				found = 1
			else
				continue
			out = out ".B " q(kw " " name " {") "\n"
			continue
		}
		gsub(/\/\*.*\*\//, "", l)
		sub(/[ \t]+$/, "", l)
		if (l == "};") {
			out = out ".B };\n"
			break
		}
		if (l == "")
			continue
		gsub(/\t/, " ", l)
		l = trim(l)
		gsub(/ +/, " ", l)
		if (kw == "struct" &&
		    match(l, /[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?;$/)) {
			m = substr(l, RSTART, RLENGTH - 1)
			d = substr(l, 1, RSTART - 1)
			rest = ";"
			if (match(m, /\[/)) {
				rest = substr(m, RSTART) ";"
				m = substr(m, 1, RSTART - 1)
			}
			out = out ".BI " q("    " d) " " m " " q(rest) "\n"
		} else {
			out = out ".B " q("    " l) "\n"
		}
	}
	close(header)
	if (!found)
		fail("no declaration of " kw " " name " in " header)
	return out
}

BEGIN {
	n = split(pages, tmp, " ")
	for (i = 1; i <= n; i++)
		page3[tmp[i]] = 1
	nsec = 0
}

/^\.TH / { next }
/^\.SH / {
	h = $0
	sub(/^\.SH +/, "", h)
	gsub(/"/, "", h)
	secname[++nsec] = h
	text[nsec] = ""
	next
}
nsec > 0 { text[nsec] = text[nsec] $0 "\n" }

END {
	if (failed)
		exit 1
	if (nsec == 0)
		fail("no kernel-doc comment for " self)

	# What the item is.
	if (secname[1] == "NAME") {
		nameline = text[1]
		sub(/\n.*$/, "", nameline)
		if (!match(nameline, / \\- /))
			fail(self ": cannot read NAME line '" nameline "'")
		title = substr(nameline, 1, RSTART - 1)
		purpose = trim(substr(nameline, RSTART + RLENGTH))
		sub(/\.$/, "", purpose)
		if (title ~ /^(struct|enum|union) /)
			kind = substr(title, 1, index(title, " ") - 1)
		else if (title ~ /^typedef /)
			kind = "typedef"
		else
			kind = "function"
		first = 2
	} else {
		kind = "doc"
		title = secname[1]
		first = 1
	}
	if (kind == "function") {
		for (i = 2; i <= nsec; i++)
			if (secname[i] == "SYNOPSIS" && text[i] !~ /\.BI /)
				kind = "macro"
	}
	selfref = self (sec == "3type" ? "(3type)" : "(3)")

	# Sections in the order of a man page.
	ns = 0
	for (i = first; i <= nsec; i++) {
		h = toupper(secname[i])
		if (h == "SYNOPSIS") {
			synopsis = text[i]
			continue
		}
		if (h == "ARGUMENTS" && (text[i] ~ /^\.IP "void" 12\nno arguments\n$/ ||
					 trim(text[i]) == ""))
			continue
		if (h == "RETURN")
			h = "RETURN VALUE"
		if (kind == "doc")
			h = secname[i]
		prio = h == "ARGUMENTS" ? 1 : h == "DESCRIPTION" ? 2 : \
		       h == "MEMBERS" || h == "CONSTANTS" ? 3 : \
		       h == "CONTEXT" ? 4 : h == "RETURN VALUE" ? 5 : 6
		ns++
		order[ns] = i
		oname[ns] = h
		oprio[ns] = prio
	}
	# A stable insertion sort by priority.
	for (i = 2; i <= ns; i++) {
		for (j = i; j > 1 && oprio[j - 1] > oprio[j]; j--) {
			t = order[j]; order[j] = order[j - 1]; order[j - 1] = t
			t = oname[j]; oname[j] = oname[j - 1]; oname[j - 1] = t
			t = oprio[j]; oprio[j] = oprio[j - 1]; oprio[j - 1] = t
		}
	}
	for (i = 1; i <= ns; i++) {
		body[i] = convert(text[order[i]], tolower(oname[i]))
		if (oname[i] == "CONTEXT" || oname[i] == "RETURN VALUE" ||
		    oname[i] == "DESCRIPTION")
			body[i] = ucfirst(body[i])
	}

	if (kind == "struct" || kind == "enum")
		decl = declaration(kind, substr(title, length(kind) + 2))
	if (kind == "struct" || kind == "enum") {
		synopsis = decl
	} else if (kind == "function") {
		synopsis = prototype(synopsis)
	} else {
		synopsis = ""
	}
	# References in the prototype, too.
	tmps = synopsis
	while (match(tmps, /struct lwsw_[a-z0-9_]+/)) {
		name = substr(tmps, RSTART + 7, RLENGTH - 7)
		if (((name ".3type") in page3) && name != self)
			addref(name "(3type)")
		tmps = substr(tmps, RSTART + RLENGTH)
	}

	if (mode == "page") {
		name = title
		sub(/^(struct|enum|union|typedef) /, "", name)
		printf ".\\\" Generated by man/mkman from %s's kernel-doc: do not edit.\n", include
		printf ".TH %s %s %s %s %s\n", q(name), sec, date, q(source), q(manual)
		# Names are most of the words: neither hyphenated nor spread.
		print ".nh"
		print ".ad l"
		print ".SH NAME"
		print name " \\- " purpose_text(purpose, 1)
		print ".SH LIBRARY"
		print "liblwswitch"
		print ".RI ( \\-llwswitch ;"
		print ".BR \"pkg\\-config \\-\\-libs lwswitch\" )"
		print ".SH SYNOPSIS"
		print ".nf"
		print ".B #include <" include ">"
		if (synopsis != "") {
			print ".PP"
			printf "%s", synopsis
		}
		print ".fi"
		for (i = 1; i <= ns; i++) {
			printf ".SH %s\n", q(oname[i])
			printf "%s", body[i]
		}
		# SEE ALSO: the pages referred to, by section, then lwswitch(7).
		nr = 0
		for (i = 1; i <= nrefs; i++)
			see[++nr] = refs[i]
		for (i = 2; i <= nr; i++)
			for (j = i; j > 1 && see[j - 1] > see[j]; j--) {
				t = see[j]; see[j] = see[j - 1]; see[j - 1] = t
			}
		print ".SH \"SEE ALSO\""
		for (i = 1; i <= nr; i++) {
			r = see[i]
			s = substr(r, index(r, "(") + 1)
			sub(/\)$/, "", s)
			print ".BR " substr(r, 1, index(r, "(") - 1) " (" s "),"
		}
		print ".BR lwswitch (7)"
		exit 0
	}

	# mode=part
	if (style == "body") {
		for (i = 1; i <= ns; i++)
			printf "%s", body[i]
		exit 0
	}
	if (style == "tp") {
		print ".TP"
		print ".B " title
		print ucfirst(purpose_text(purpose, 0)) "."
		for (i = 1; i <= ns; i++) {
			printf "%s", body[i]
		}
		exit 0
	}
	# style == "ss"
	print ".SS " q(title)
	print ucfirst(purpose_text(purpose, 0)) "."
	if (kind == "macro" && ioctl_call != "") {
		print ".PP"
		print ".nf"
		print ioctl_call
		print ".fi"
	}
	if (synopsis != "") {
		print ".PP"
		print ".in +4n"
		print ".nf"
		printf "%s", synopsis
		print ".fi"
		print ".in"
	}
	for (i = 1; i <= ns; i++) {
		print ".PP"
		if (oname[i] == "CONTEXT")
			print ".B Context:"
		else if (oname[i] == "RETURN VALUE")
			print ".B Return:"
		else if (oname[i] == "MEMBERS")
			print "Members:"
		else if (oname[i] == "CONSTANTS")
			print "Constants:"
		printf "%s", body[i]
	}
}
