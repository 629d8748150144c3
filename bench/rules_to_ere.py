#!/usr/bin/env python3
"""Prints the patterns of tracehound rule files as POSIX extended regexes, one per line, for `grep -E -i -f`.

The rules are written in vectorscan's PCRE subset; GNU grep -E understands \\b \\s \\S \\w \\W, so the
conversion only rewrites what ERE lacks: (?:...) groups, lazy quantifiers, \\d, \\xHH, inline flags; phrases are
escaped. Patterns that still use something ERE cannot express are skipped and counted on stderr.
usage: rules_to_ere.py RULES_DIR_OR_FILE...
"""
import glob
import os
import re
import sys

import yaml


def files(paths):
    for path in paths:
        if os.path.isdir(path):
            yield from sorted(glob.glob(os.path.join(path, "*.yaml")))
        else:
            yield path


def to_ere(regex):
    out = regex.replace("(?:", "(")
    out = re.sub(r"\(\?[imsx-]+\)", "", out)
    out = re.sub(r"([*+?}])\?", r"\1", out)
    out = out.replace(r"\d", "[0-9]")
    out = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: re.escape(chr(int(m.group(1), 16))), out)
    if re.search(r"\(\?|\\[pPQEKAzZ]", out):
        return None
    return out


def main():
    skipped = 0
    for path in files(sys.argv[1:]):
        with open(path) as handle:
            document = yaml.safe_load(handle) or {}
        for rule in document.get("rules") or []:
            for pattern in rule.get("patterns") or []:
                if "phrase" in pattern:
                    print(re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", pattern["phrase"]))
                    continue
                converted = to_ere(pattern["regex"])
                if converted is None:
                    skipped += 1
                else:
                    print(converted)
    print(f"rules_to_ere: {skipped} patterns not expressible in ERE, skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
