#!/usr/bin/env python3
"""Strict checker for Autobahn|Testsuite results (python3, stdlib only).

Reads <reports>/servers/index.json and/or <reports>/clients/index.json as
written by `wstest` (fuzzingclient / fuzzingserver modes), prints a markdown
summary per side, per agent and per section, lists every failing case, and
exits non-zero when anything is wrong.

A case passes only when BOTH `behavior` and `behaviorClose` are OK or
INFORMATIONAL. Everything else (NON-STRICT, FAILED, WRONG CODE,
UNIMPLEMENTED, unknown values, missing fields) fails, in every section:
permessage-deflate (12 and 13) is implemented, so UNIMPLEMENTED there is a failure too.

The run as a whole also fails when an expected agent is missing, when an
agent has no cases (or fewer than --min-cases), or when a requested side has
no index.json.

Exit codes: 0 all good, 1 failures found, 2 bad usage or unreadable input.
"""

import argparse
import json
import os
import re
import sys

SIDES = ("servers", "clients")
SECTIONS = range(1, 14)
# Summary columns; anything not listed is counted as FAILED.
COLUMNS = ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED")
# Severity used to pick one column per case from its two verdicts.
SEVERITY = {"OK": 0, "INFORMATIONAL": 1, "UNIMPLEMENTED": 2, "NON-STRICT": 3}
PASSING = {"OK", "INFORMATIONAL"}


def case_key(case_id):
    """Numeric sort key for ids like '6.4.10'."""
    parts = []
    for p in case_id.split("."):
        parts.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return parts


def section_of(case_id):
    head = case_id.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def column_of(verdict):
    return verdict if verdict in SEVERITY else "FAILED"


def case_column(result):
    """The summary column of a case: the worse of its two verdicts."""
    cols = [column_of(result.get("behavior")), column_of(result.get("behaviorClose"))]
    return max(cols, key=lambda c: SEVERITY.get(c, 99))


def case_passes(result):
    """Every section is held to the same rule, compression included."""
    allowed = set(PASSING)
    return result.get("behavior") in allowed and result.get("behaviorClose") in allowed


def description_of(report_dir, result):
    """Best-effort description from the per-case report file."""
    name = result.get("reportfile")
    if not name:
        return "(no report file)"
    try:
        with open(os.path.join(report_dir, name), encoding="utf-8") as f:
            text = json.load(f).get("description", "")
    except (OSError, ValueError):
        return "(no description: cannot read %s)" % name
    text = re.sub(r"<[^>]*>", "", re.sub(r"<br\s*/?>", " ", text))  # drop HTML markup
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def check_side(side, index_path, expected, args, out):
    """Check one side; appends markdown lines to `out`, returns problem list."""
    problems = []
    try:
        with open(index_path, encoding="utf-8") as f:
            index = json.load(f)
    except OSError as e:
        return ["%s: cannot read %s (%s)" % (side, index_path, e.strerror)]
    except ValueError as e:
        return ["%s: %s is not valid JSON (%s)" % (side, index_path, e)]
    if not isinstance(index, dict):
        return ["%s: %s has an unexpected layout" % (side, index_path)]
    report_dir = os.path.dirname(index_path)

    out.append("## Autobahn %s (%s)" % (side, index_path))
    out.append("")
    out.append("Each case is counted once, under the worse of its two verdicts; FAILED also "
               "counts WRONG CODE and any other verdict. Passing: OK or INFORMATIONAL.")
    out.append("")
    for agent in expected:
        if agent not in index:
            problems.append("%s: expected agent %r is missing from %s" % (side, agent, index_path))
    if not index:
        problems.append("%s: no agents at all in %s" % (side, index_path))

    for agent in sorted(index):
        cases = index[agent]
        if not isinstance(cases, dict):
            problems.append("%s/%s: unexpected layout" % (side, agent))
            continue
        if len(cases) == 0:
            problems.append("%s/%s: zero cases were run" % (side, agent))
        elif side in args.expect_cases and len(cases) != args.expect_cases[side]:
            problems.append("%s/%s: %d cases, but wstest planned %d (testee stopped early?)"
                            % (side, agent, len(cases), args.expect_cases[side]))
        elif len(cases) < args.min_cases:
            problems.append("%s/%s: only %d cases, expected at least %d"
                            % (side, agent, len(cases), args.min_cases))

        counts = {}  # section -> column -> n
        failing = []
        for case_id in sorted(cases, key=case_key):
            result = cases[case_id] if isinstance(cases[case_id], dict) else {}
            sec = section_of(case_id)
            col = case_column(result)
            counts.setdefault(sec, dict.fromkeys(COLUMNS, 0))[col] += 1
            if not case_passes(result):
                failing.append((case_id, result))

        out.append("### %s: agent `%s` (%d cases, %d failing)" % (side, agent, len(cases), len(failing)))
        out.append("")
        out.append("| section | " + " | ".join(COLUMNS) + " | total |")
        out.append("|---|" + "---:|" * (len(COLUMNS) + 1))
        totals = dict.fromkeys(COLUMNS, 0)
        # Sections 1-13 always appear; unexpected ones (if any) follow.
        extra = sorted(s for s in counts if s not in SECTIONS and s is not None)
        rows = list(SECTIONS) + extra + ([None] if None in counts else [])
        for sec in rows:
            row = counts.get(sec, dict.fromkeys(COLUMNS, 0))
            for c in COLUMNS:
                totals[c] += row[c]
            label = str(sec) if sec is not None else "other"
            out.append("| %s | %s | %d |" % (label, " | ".join(str(row[c]) for c in COLUMNS),
                                              sum(row.values())))
        out.append("| **all** | %s | **%d** |" % (" | ".join("**%d**" % totals[c] for c in COLUMNS),
                                                  sum(totals.values())))
        out.append("")
        if failing:
            out.append("Failing cases for `%s`:" % agent)
            out.append("")
            for case_id, result in failing:
                out.append("- `%s` behavior=%s behaviorClose=%s: %s" % (
                    case_id, result.get("behavior", "(missing)"),
                    result.get("behaviorClose", "(missing)"),
                    description_of(report_dir, result)))
                problems.append("%s/%s: case %s failed (behavior=%s, behaviorClose=%s)" % (
                    side, agent, case_id, result.get("behavior"), result.get("behaviorClose")))
            out.append("")
    return problems


def agent_list(value):
    return [a for a in (value or "").split(",") if a]


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reports", default=os.path.join(here, "reports"),
                   help="directory holding servers/ and clients/ (default: %(default)s)")
    p.add_argument("--servers", nargs="?", const="", metavar="AGENT[,AGENT...]",
                   help="check the server side; agents listed must be present")
    p.add_argument("--clients", nargs="?", const="", metavar="AGENT[,AGENT...]",
                   help="check the client side; agents listed must be present")
    p.add_argument("--strict-unimplemented", action="store_true",
                   help="accepted for compatibility: UNIMPLEMENTED always fails")
    p.add_argument("--min-cases", type=int, default=1, metavar="N",
                   help="fail an agent with fewer than N cases (default: 1)")
    p.add_argument("--expect-cases", action="append", default=[], metavar="SIDE=N",
                   help="every agent of SIDE (servers|clients) must have exactly N cases")
    p.add_argument("--markdown", metavar="FILE", help="also write the summary to FILE")
    args = p.parse_args(argv)
    expect = {}
    for item in args.expect_cases:
        side, _, n = item.partition("=")
        if side not in SIDES or not n.isdigit():
            p.error("--expect-cases wants servers=N or clients=N, got %r" % item)
        expect[side] = int(n)
    args.expect_cases = expect

    # Which sides to check: those asked for, else whichever index.json exists.
    wanted = {s: getattr(args, s) for s in SIDES if getattr(args, s) is not None}
    if not wanted:
        wanted = {s: "" for s in SIDES
                  if os.path.exists(os.path.join(args.reports, s, "index.json"))}
        if not wanted:
            print("check.py: no index.json under %s/{servers,clients}/ (did the run finish?)"
                  % args.reports, file=sys.stderr)
            return 2

    out, problems = [], []
    for side in SIDES:
        if side in wanted:
            index_path = os.path.join(args.reports, side, "index.json")
            problems += check_side(side, index_path, agent_list(wanted[side]), args, out)

    out.append("## Verdict: %s" % ("PASS" if not problems else "FAIL (%d problems)" % len(problems)))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text)
    if problems:
        print("\ncheck.py: FAILED", file=sys.stderr)
        for line in problems[:50]:
            print("  " + line, file=sys.stderr)
        if len(problems) > 50:
            print("  ... and %d more" % (len(problems) - 50), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
