#!/usr/bin/env python3
"""Summarise criterion results as Markdown tables with ratios.

Usage: scripts/bench_table.py TARGET_DIR GROUP_PREFIX [BASE]

Reads TARGET_DIR/criterion/<group>/<size>/<contestant>/new/estimates.json for every group
whose name starts with GROUP_PREFIX (e.g. "mask", "decode", "encode") and prints, per group,
one row per size: each contestant's throughput (from the median time per iteration and the
bytes/elements declared in benchmark.json) and wscore's ratio to each other contestant
(ratio = contestant's time / wscore's time, so > 1 means wscore is faster).
"""
import json
import os
import sys

SIZE_ORDER = ["0B", "16B", "125B", "1KiB", "64KiB", "1MiB"]


def load(root, prefix):
    out = {}
    crit = os.path.join(root, "criterion")
    for group in sorted(os.listdir(crit)):
        gdir = os.path.join(crit, group)
        if not group.startswith(prefix.replace("/", "_")) or not os.path.isdir(gdir):
            continue
        for size in os.listdir(gdir):
            sdir = os.path.join(gdir, size)
            if not os.path.isdir(sdir) or size == "report":
                continue
            for who in os.listdir(sdir):
                base = os.path.join(sdir, who, "new")
                est = os.path.join(base, "estimates.json")
                if not os.path.exists(est):
                    continue
                with open(est) as f:
                    median = json.load(f)["median"]["point_estimate"]
                with open(os.path.join(base, "benchmark.json")) as f:
                    meta = json.load(f)
                out.setdefault(group, {}).setdefault(size, {})[who] = (median, meta.get("throughput"))
    return out


def fmt_rate(ns, thr):
    if thr is None:
        return f"{ns:.1f} ns"
    if "Bytes" in thr and thr["Bytes"]:
        gib = thr["Bytes"] / ns * 1e9 / 2**30
        return f"{gib:.2f} GiB/s"
    if "Elements" in thr:
        return f"{thr['Elements'] / ns * 1e3:.1f} M/s"
    return f"{ns:.1f} ns"


def main():
    root, prefix = sys.argv[1], sys.argv[2]
    base = sys.argv[3] if len(sys.argv) > 3 else "wscore"
    data = load(root, prefix)
    for group, sizes in data.items():
        who_all = sorted({w for s in sizes.values() for w in s}, key=lambda w: (w != base, w))
        others = [w for w in who_all if w != base]
        print(f"\n#### {group}\n")
        head = ["size"] + who_all + [f"{base} ÷ {w}" for w in others]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for size in sorted(sizes, key=lambda s: SIZE_ORDER.index(s) if s in SIZE_ORDER else 99):
            row = sizes[size]
            cells = [size]
            for w in who_all:
                cells.append(fmt_rate(*row[w]) if w in row else "–")
            for w in others:
                if base in row and w in row:
                    cells.append(f"{row[w][0] / row[base][0]:.2f}x")
                else:
                    cells.append("–")
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
