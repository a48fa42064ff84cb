#!/usr/bin/python3
"""doc/man3: every exported function of libpacc has a man(3) page.

usage: test_man3.py LIBPACC_SO

- every pacc_* symbol the built library exports has doc/man3/<symbol>.3,
  a real page or a one-line ".so man3/<page>.3" link to one;
- every page is named after an exported symbol (libpacc.3 excepted): no
  stale pages;
- every real page has NAME, SYNOPSIS, DESCRIPTION, RETURN VALUE, ERRORS,
  EXAMPLE and SEE ALSO in that order; its NAME lists the functions it
  documents (one .so link each), its SYNOPSIS carries their exact
  prototypes from include/pacc/*.h, its ERRORS name only PACC_E* statuses
  of <pacc/error.h>, and its SEE ALSO names only existing pages;
- the EXAMPLE compiles (cc -std=c11 -Wall -Werror -pedantic) against the
  in-tree headers and links against the built library;
- groff -ww (and mandoc -T lint, when installed) render every page
  without a warning.
doc/man3/README.md describes the layout.
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAN3 = os.path.join(TOP, "doc", "man3")
INCLUDE = os.path.join(TOP, "include")
LIB = None
SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "RETURN VALUE", "ERRORS",
            "EXAMPLE", "SEE ALSO"]
OVERVIEW = "libpacc"
SO_RE = re.compile(r"^\.so man3/([A-Za-z0-9_]+)\.3\n?$")


def exported():
    out = subprocess.run(["nm", "-D", "--defined-only", LIB],
                         capture_output=True, check=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] == "T" and f[2].startswith("pacc_"):
            syms.add(f[2].split("@")[0])
    return syms


def header_protos():
    """function name -> prototype with whitespace normalised"""
    protos = {}
    d = os.path.join(INCLUDE, "pacc")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".h"):
            continue
        with open(os.path.join(d, name), encoding="utf-8") as f:
            t = f.read()
        t = re.sub(r"/\*.*?\*/", " ", t, flags=re.S)
        t = re.sub(r"\\\n", " ", t)
        t = "\n".join(l for l in t.split("\n")
                      if not l.lstrip().startswith("#"))
        for m in re.finditer(
                r"([A-Za-z_][\w\s*]*?\b(pacc_\w+)\s*\([^;{}]*?\))\s*;", t):
            protos[m.group(2)] = norm(m.group(1)) + ";"
    return protos


def norm(s):
    s = " ".join(s.split())
    return s.replace("( ", "(").replace(" )", ")")


def statuses():
    with open(os.path.join(INCLUDE, "pacc", "error.h"),
              encoding="utf-8") as f:
        return {"PACC_" + n for n in re.findall(r"XX\((\w+),", f.read())}


def unroff(s):
    """text of roff source lines, good enough for C code and prototypes"""
    s = s.replace("\\e", "\x00").replace("\\\\", "\x00")
    s = s.replace("\\&", "").replace("\\-", "-").replace("\\(aq", "'")
    s = s.replace("\\(dq", '"').replace("\\fB", "").replace("\\fI", "")
    s = s.replace("\\fR", "").replace("\\fP", "")
    return s.replace("\x00", "\\")


def font_line(line):
    """the text of a font macro line (.B, .BI, .RB ...), other requests
    dropped"""
    m = re.match(r"^\.([BIR]{1,2})(?: (.*))?$", line)
    if not m:
        return "" if line.startswith(".") else line
    args = [a if a else b for a, b in
            re.findall(r'"((?:[^"]|"")*)"|(\S+)', m.group(2) or "")]
    return (" " if len(m.group(1)) == 1 else "").join(args)


def sections(text):
    """[(title, body)] in order"""
    out = []
    for part in re.split(r"^\.SH +", text, flags=re.M)[1:]:
        title, _, body = part.partition("\n")
        out.append((title.strip().strip('"'), body))
    return out


def pages():
    return sorted(n[:-2] for n in os.listdir(MAN3) if n.endswith(".3"))


def read(name):
    with open(os.path.join(MAN3, name + ".3"), encoding="utf-8") as f:
        return f.read()


def real_pages():
    return [n for n in pages() if not SO_RE.match(read(n))]


def name_funcs(text):
    """the names of the NAME section: "a, b \\- what" """
    for title, body in sections(text):
        if title == "NAME":
            names = unroff(body).split(" - ", 1)[0]
            return [n.strip() for n in names.replace("\n", " ").split(",")]
    return []


def example_of(text):
    for title, body in sections(text):
        if title in ("EXAMPLE", "EXAMPLES"):
            m = re.search(r"^\.EX\n(.*?)^\.EE", body, re.S | re.M)
            return unroff(m.group(1)) if m else None
    return None


def compile_example(name, code, tmp):
    src = os.path.join(tmp, name + ".c")
    with open(src, "w", encoding="utf-8") as f:
        f.write(code)
    cc = os.environ.get("CC", "cc").split()
    args = cc + ["-std=c11", "-Wall", "-Werror", "-pedantic", "-I", INCLUDE,
                 src, "-o", os.path.join(tmp, name),
                 "-L", os.path.dirname(LIB), "-lpacc"]
    san = os.environ.get("PACC_SANITIZE", "none")
    if san not in ("", "none"):
        args.append("-fsanitize=" + san)
    r = subprocess.run(args, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


class Man3(unittest.TestCase):
    def check(self, bad, head=None):
        if bad:
            self.fail(head if head is not None else "\n".join(bad))

    def test_every_symbol_has_a_page(self):
        have = set(pages())
        missing = sorted(exported() - have)
        self.check(missing, "exported functions without a page in "
                         "doc/man3 (see doc/man3/README.md):\n  "
                         + "\n  ".join(missing))

    def test_no_stale_pages(self):
        stale = sorted(set(pages()) - exported() - {OVERVIEW})
        self.check(stale, "pages in doc/man3 that name no exported "
                         "function:\n  " + "\n  ".join(stale))

    def test_links(self):
        real = set(real_pages())
        bad = []
        for n in pages():
            m = SO_RE.match(read(n))
            if not m:
                continue
            target = m.group(1)
            if target not in real:
                bad.append("%s.3: links to %s.3, which is not a real page"
                           % (n, target))
            elif n not in name_funcs(read(target)):
                bad.append("%s.3: %s.3 does not list %s in NAME"
                           % (n, target, n))
        self.check(bad)

    def test_sections(self):
        bad = []
        for n in real_pages():
            titles = [t for t, _ in sections(read(n))]
            titles = ["EXAMPLE" if t == "EXAMPLES" else t for t in titles]
            want = SECTIONS if n != OVERVIEW else ["NAME", "SYNOPSIS",
                                                   "DESCRIPTION", "SEE ALSO"]
            if [t for t in titles if t in want] != want:
                bad.append("%s.3: sections %s, want %s in this order"
                           % (n, titles, want))
            if not re.search(r"^\.TH %s 3 " % re.escape(n.upper()), read(n),
                             re.M):
                bad.append("%s.3: no .TH %s 3 line" % (n, n.upper()))
        self.check(bad)

    def test_name_and_synopsis(self):
        protos = header_protos()
        syms = exported()
        bad = []
        for n in real_pages():
            if n == OVERVIEW:
                continue
            text = read(n)
            funcs = name_funcs(text)
            if n not in funcs:
                bad.append("%s.3: NAME does not list %s" % (n, n))
            syn = ""
            for title, body in sections(text):
                if title == "SYNOPSIS":
                    syn = norm(unroff(" ".join(
                        font_line(l) for l in body.splitlines())))
            for f in funcs:
                if f not in syms:
                    bad.append("%s.3: %s in NAME is not exported" % (n, f))
                    continue
                if f in protos and protos[f] not in syn:
                    bad.append("%s.3: SYNOPSIS lacks the prototype %s"
                               % (n, protos[f]))
                if f != n and not os.path.exists(
                        os.path.join(MAN3, f + ".3")):
                    bad.append("%s.3: %s.3 (.so man3/%s.3) is missing"
                               % (n, f, n))
        self.check(bad)

    def test_errors_and_see_also(self):
        known = statuses()
        have = set(pages())
        bad = []
        for n in real_pages():
            for title, body in sections(read(n)):
                if title == "ERRORS":
                    for s in set(re.findall(r"\bPACC_E[A-Z]+\b", body)):
                        if s not in known:
                            bad.append("%s.3: ERRORS names %s, not in "
                                       "<pacc/error.h>" % (n, s))
                if title == "SEE ALSO":
                    for ref in re.findall(r"\b((?:lib)?pacc\w*) \(3\)",
                                          unroff(body)):
                        if ref not in have:
                            bad.append("%s.3: SEE ALSO %s(3) has no page"
                                       % (n, ref))
        self.check(bad)

    def test_examples_compile_and_link(self):
        jobs = {}
        bad = []
        for n in real_pages():
            code = example_of(read(n))
            if code is None:
                if n != OVERVIEW:
                    bad.append("%s.3: EXAMPLE has no .EX/.EE block" % n)
                continue
            jobs[n] = code
        with tempfile.TemporaryDirectory(prefix="pacc-man3.") as tmp, \
                concurrent.futures.ThreadPoolExecutor(4) as ex:
            futs = {n: ex.submit(compile_example, n, c, tmp)
                    for n, c in jobs.items()}
            for n, fut in sorted(futs.items()):
                rc, out = fut.result()
                if rc != 0:
                    bad.append("%s.3: EXAMPLE does not build:\n%s" % (n, out))
        self.assertGreater(len(jobs), 0)
        self.check(bad)

    def test_renders_without_warnings(self):
        bad = []
        for n in real_pages():
            path = os.path.join(MAN3, n + ".3")
            r = subprocess.run(["groff", "-ww", "-z", "-man", "-Tutf8", path],
                               capture_output=True, text=True)
            if r.returncode != 0 or r.stderr.strip():
                bad.append("%s.3: groff: %s" % (n, r.stderr.strip()))
        if shutil.which("mandoc"):
            # .so links resolve from the directory above man3
            r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning"]
                               + ["man3/%s.3" % n for n in pages()],
                               cwd=os.path.dirname(MAN3),
                               capture_output=True, text=True)
            # the brief's .so link pages are what mandoc calls fragile
            out = "\n".join(l for l in (r.stdout + r.stderr).splitlines()
                            if ".so is fragile" not in l).strip()
            if out:
                bad.append("mandoc -T lint:\n" + out)
        self.check(bad)


if __name__ == "__main__":
    LIB = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
