"""Writes one benchmark's section into BENCHMARKS.md, between markers named after the script."""

import json
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


def add_report_arguments(ap, repo):
    """The options every benchmark that writes BENCHMARKS.md shares: where it works, where it
    writes, and saving or re-reporting its raw measurements."""
    ap.add_argument("--work-dir", default=None, help="where to put the temp dir")
    ap.add_argument("--benchmarks-md", default=os.path.join(repo, "BENCHMARKS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the tables only")
    ap.add_argument("--save-json", help="also write the raw measurements to this file")
    ap.add_argument("--from-json", help="measure nothing: report the measurements saved in "
                                        "this file by --save-json")


def load_saved(args):
    """For --from-json: the saved measurements, with the saved run's options put back on `args`
    (except those that say where to read and write)."""
    with open(args.from_json) as f:
        saved = json.load(f)
    for key, value in saved["args"].items():
        if key not in ("from_json", "no_write", "benchmarks_md", "save_json"):
            setattr(args, key, value)
    return saved


def server_binaries(ap, build_dir):
    """cleanroomd, cleanroom and plain_duckdb in `build_dir` (an argparse error if one is
    missing); the end-to-end harness is pointed at the first two."""
    cleanroomd = os.path.join(build_dir, "src", "exe", "cleanroomd")
    cli = os.path.join(build_dir, "src", "cli", "cleanroom")
    tool = os.path.join(build_dir, "bench", "plain_duckdb")
    for path in (cleanroomd, cli, tool):
        if not os.access(path, os.X_OK):
            ap.error(f"{path} is missing; build the cleanroomd, cleanroom and plain_duckdb targets")
    os.environ["CLEANROOMD"] = os.path.abspath(cleanroomd)
    os.environ["CLEANROOM_CLI"] = os.path.abspath(cli)
    return cleanroomd, cli, tool
