"""`make bench`: run every benchmark in one go, print its figures and write them into docs/benchmarks.md.

    .venv/bin/python bench/run.py [--quick] [--only ingest_throughput,pipeline_scaling]

Each benchmark is a script in bench/ that prints its own table; this driver runs them one after the other (one
machine, one run, so the figures are comparable), echoes their output and replaces each one's section of
docs/benchmarks.md (between `<!-- bench:<name> -->` markers), leaving the hand-written text around them alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "benchmarks.md"

# name → (arguments of the full run, arguments of the quick run)
BENCHMARKS = {
    "ingest_throughput": (["--rows", "100000"], ["--rows", "10000"]),
    "pipeline_scaling": (
        ["--sizes", "10k,100k,1M", "--history-years", "1,5,10"],
        ["--sizes", "10k", "--history-years", "1,2"],
    ),
    "api": (
        [],
        ["--seconds", "2", "--clients", "8", "--refresh-seconds", "90"],
    ),  # over the snapshot `make refresh` published
    "guards": ([], ["--quick"]),
}


def run(name: str, arguments: list[str]) -> str:
    command = [sys.executable, str(REPO / "bench" / f"{name}.py"), *arguments]
    print(f"$ {' '.join(command[1:])}", flush=True)
    lines = []
    with subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    status = "" if process.returncode == 0 else f"\n(exit code {process.returncode}: incomplete)\n"
    return "".join(lines) + status


def write_section(name: str, command: str, output: str) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average at the end {load}"
    )
    block = f"{begin}\n`{command}` — {datetime.now():%Y-%m-%d %H:%M}, {machine}\n\n```\n{output.rstrip()}\n```\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + f"\n\n## {name}\n\n{block}\n"
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run of every benchmark)")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    names = [n for n in BENCHMARKS if not args.only or n in args.only.split(",")]
    for name in names:
        if not (REPO / "bench" / f"{name}.py").exists():
            print(f"bench/{name}.py is missing; skipped")
            continue
        arguments = BENCHMARKS[name][1 if args.quick else 0]
        output = run(name, arguments)
        if not args.no_docs:
            write_section(name, " ".join(["python", f"bench/{name}.py", *arguments]), output)


if __name__ == "__main__":
    main()
