"""Writes one benchmark's section into BENCHMARKS.md, between markers named after the script."""

import os


def write_section(path, script, title, body):
    """Replaces (or appends) the section of `script` (e.g. "bench/crawl_bench.py")."""
    begin, end = f"<!-- {script}: begin -->", f"<!-- {script}: end -->"
    section = f"{begin}\n## {title}\n\n{body.rstrip()}\n{end}\n"
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    if begin in text and end in text:
        pre, rest = text.split(begin, 1)
        _, post = rest.split(end, 1)
        text = pre + section.rstrip("\n") + post
    else:
        text = (text or "# Benchmarks\n").rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)
