"""Mutation score of the model core, measured with mutmut (``make mutation``).

mutmut (configured in ``pyproject.toml``, ``[tool.mutmut]``) copies ``sim/`` into ``mutants/``,
plants one small change at a time in the model core (an operator flipped, a number off by one,
an argument dropped ...) and runs the fast model tests that call the changed function (tests
marked ``mutation`` in ``tests/model``). A mutant that no test notices *survives*: a change of
behaviour the tests would let through. The score is the share of mutants the tests kill
(a timeout, i.e. a change that makes the tests hang, counts as killed, as mutmut counts it).

The model core is the mechanisms, the outcomes, the line, the specialists, the programmes, the
office and the ledger (``LeanModel._book``): ``SCOPE`` below. Every run starts from a fresh
``mutants/`` (mutmut's cache would keep verdicts reached with older tests).

Usage::

    python benchmarks/mutation.py              # about 30 minutes on 2 cores
    python benchmarks/mutation.py --summarize  # rewrite the JSON from the last run's mutants/
    python benchmarks/mutation.py 'sim.specialists.*'   # only some mutants (a quick look)

It writes ``benchmarks/results/mutation.json``: the counts, the score, and every mutant that
was not killed (file, line, the diff), with a one-line reason where a survivor is judged
equivalent (a change that cannot alter behaviour; ``EQUIVALENT`` below). mutmut's own log is
``mutants/mutmut.log``; ``.venv/bin/mutmut show <mutant>`` prints one mutant.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "mutation.json"
MUTANTS = ROOT / "mutants"

#: The model core: file -> the functions whose mutants count ("*": all of the file's).
SCOPE: dict[str, tuple[str, ...]] = {
    "sim/mechanisms.py": ("*",),
    "sim/outcomes.py": ("*",),
    "sim/line.py": ("*",),
    "sim/specialists.py": ("*",),
    "sim/programme.py": ("*",),
    "sim/office.py": ("*",),
    "sim/model.py": ("xǁLeanModelǁ_book",),  # the ledger
}

#: Survivors judged equivalent: a change that cannot alter behaviour. Matched by function and
#: by the changed line before and after (whitespace-insensitive), not by mutmut's numbering,
#: so an entry outlives unrelated edits; an entry that matches nothing is reported as stale.
EQUIVALENT: list[dict[str, str]] = []

#: mutmut's progress line: "⠸ 318/318  🎉 165 🫥 0  ⏰ 0  🤔 0  🙁 153  🔇 0  🧙 0"
PROGRESS = re.compile(r"(\d+)/(\d+)\s+🎉 (\d+) 🫥 (\d+)\s+⏰ (\d+)\s+🤔 (\d+)\s+🙁 (\d+)")


def module_of(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def patterns(scope: dict[str, tuple[str, ...]] = SCOPE) -> list[str]:
    """mutmut's mutant-name patterns for the scope."""
    return [
        f"{module_of(path)}.{'*' if f == '*' else f + '__mutmut_*'}"
        for path, functions in scope.items()
        for f in functions
    ]


def in_scope(key: str) -> bool:
    return any(fnmatch.fnmatch(key, p) for p in patterns())


def run_mutmut(selection: list[str], max_children: int) -> int:
    """Run mutmut on a fresh copy; its output goes to mutants/mutmut.log, a progress line to
    stdout every half minute."""
    shutil.rmtree(MUTANTS, ignore_errors=True)
    MUTANTS.mkdir()
    log_path = MUTANTS / "mutmut.log"
    mutmut = Path(sys.executable).with_name("mutmut")
    command = [str(mutmut), "run", "--max-children", str(max_children), *selection]
    print("running:", " ".join(command), flush=True)
    start = last = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # progress as it happens
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        phase = ""
        for chunk in iter(lambda: process.stdout.read(4096), ""):
            log.write(chunk)
            for name in ("Generating mutants", "Running stats", "Running clean tests"):
                if name in chunk and phase != name:
                    phase = name
                    print(f"  {name.lower()} ...", flush=True)
            now = time.monotonic()
            found = PROGRESS.findall(chunk)
            if found and now - last >= 30:
                done, total, killed, no_tests, timeout, _, survived = found[-1]
                print(
                    f"  {int(now - start) // 60:3d} min  {done}/{total} mutants: killed {killed}, "
                    f"survived {survived}, timeout {timeout}, no tests {no_tests}",
                    flush=True,
                )
                last = now
        returncode = process.wait()
    print(f"mutmut finished in {(time.monotonic() - start) / 60:.1f} min (exit {returncode})")
    return returncode


def changed_lines(diff: str) -> tuple[str, str, int]:
    """(the removed line, the added line, their offset in the function) of a mutant's diff."""
    removed, added, offset, line = [], [], 0, 0
    for text in diff.splitlines():
        if text.startswith("@@"):
            line = int(re.match(r"@@ -(\d+)", text).group(1))
            continue
        if text.startswith(("---", "+++")):
            continue
        if text.startswith("-"):
            removed.append(text[1:].strip())
            offset = offset or line
            line += 1
        elif text.startswith("+"):
            added.append(text[1:].strip())
        else:
            line += 1
    return " ".join(removed), " ".join(added), offset


def function_lines(path: Path) -> dict[str, int]:
    """mutmut's mangled function name -> the line of its ``def`` in the source file."""
    import ast

    lines: dict[str, int] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            lines[f"x_{node.name}"] = node.lineno
        elif isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, ast.FunctionDef):
                    lines[f"xǁ{node.name}ǁ{child.name}"] = child.lineno
    return lines


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def equivalent_entry(function: str, removed: str, added: str) -> int | None:
    """The index of the EQUIVALENT entry that describes this mutant, if any."""
    for i, entry in enumerate(EQUIVALENT):
        if (
            entry["function"] == function
            and _squash(entry["from"]) == _squash(removed)
            and _squash(entry["to"]) == _squash(added)
        ):
            return i
    return None


def summarize(elapsed_s: float | None, max_children: int) -> dict:
    """The results of the last mutmut run, restricted to the scope."""
    os.chdir(ROOT)  # mutmut reads its config and mutants/ from the working directory
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    counts = dict.fromkeys(("killed", "survived", "timeout", "no tests", "not checked", "other"), 0)
    by_file: dict[str, dict[str, int]] = {}
    not_killed: list[dict] = []
    used: set[int] = set()
    for path in SCOPE:
        data = SourceFileMutationData(path=path)
        data.load()
        defs = function_lines(ROOT / path)
        file_counts = dict.fromkeys(counts, 0)
        for key, exit_code in sorted(data.exit_code_by_key.items()):
            if not in_scope(key):
                continue
            status = status_by_exit_code[exit_code]
            bucket = status if status in counts else "other"
            counts[bucket] += 1
            file_counts[bucket] += 1
            if bucket in ("killed", "timeout"):
                continue
            diff = get_diff_for_mutant(key, path=path)
            function = key.rpartition(".")[2].rpartition("__mutmut_")[0]
            removed, added, offset = changed_lines(diff)
            entry = equivalent_entry(function, removed, added)
            reason = None if entry is None else EQUIVALENT[entry]["reason"]
            used.add(entry)
            not_killed.append(
                {
                    "mutant": key,
                    "status": status,
                    "file": path,
                    "line": defs.get(function, 0) + offset - 1 if offset else defs.get(function),
                    "diff": diff.split("\n", 2)[2] if diff.startswith("---") else diff,
                    **({"equivalent": reason} if reason is not None else {}),
                }
            )
        by_file[path] = file_counts | {"score": _score(file_counts)}
    equivalent = sum("equivalent" in m for m in not_killed)
    tested = sum(counts.values())
    return {
        "tool": f"mutmut {_version()}",
        "command": "make mutation (benchmarks/mutation.py)",
        "scope": {path: list(functions) for path, functions in SCOPE.items()},
        "tests": "tests marked `mutation` in tests/model (pyproject.toml [tool.mutmut])",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "commit": _git_commit(),
        "minutes": round(elapsed_s / 60, 1) if elapsed_s else None,
        "max_children": max_children,
        "mutants": tested,
        "killed": counts["killed"],
        "survived": counts["survived"],
        "timeout": counts["timeout"],
        "no_tests": counts["no tests"],
        "not_checked": counts["not checked"],
        "other": counts["other"],
        "score": _score(counts),
        "equivalent": equivalent,
        "score_without_equivalent": round(
            (counts["killed"] + counts["timeout"]) / max(tested - equivalent, 1), 4
        ),
        "note": "score = (killed + timeout) / mutants; a mutant no test calls (no_tests) and "
        "any other status count as not killed. score_without_equivalent leaves out the "
        "survivors judged equivalent (listed with their reason).",
        "by_file": by_file,
        "stale_equivalent_entries": [e for i, e in enumerate(EQUIVALENT) if i not in used],
        "not_killed": not_killed,
    }


def _score(counts: dict[str, int]) -> float:
    total = sum(counts.values())
    return round((counts["killed"] + counts["timeout"]) / total, 4) if total else 0.0


def _version() -> str:
    from importlib.metadata import version

    return version("mutmut")


def _git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "mutants",
        nargs="*",
        help="mutant-name patterns (default: the whole model core, SCOPE); with patterns the "
        "JSON is not written",
    )
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutants (cores)")
    parser.add_argument(
        "--summarize", action="store_true", help="only summarize the last run's mutants/"
    )
    args = parser.parse_args(argv)
    elapsed = None
    if not args.summarize:
        start = time.monotonic()
        code = run_mutmut(args.mutants or patterns(), args.max_children)
        elapsed = time.monotonic() - start
        if code != 0:
            print(f"mutmut failed (exit {code}); see {MUTANTS / 'mutmut.log'}", file=sys.stderr)
            return code
        if args.mutants:
            print("partial run: see `.venv/bin/mutmut results`; the JSON is left as it was")
            return 0
    result = summarize(elapsed, args.max_children)
    if result["mutants"] == 0 or result["not_checked"]:
        print(
            f"{result['not_checked']} of {result['mutants']} mutants of the scope were not "
            "checked: run the whole scope (without patterns) before summarizing",
            file=sys.stderr,
        )
        return 1
    RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"score {result['score']:.3f} ({result['killed']} killed, {result['timeout']} timeout, "
        f"{result['survived']} survived, {result['no_tests']} without tests, "
        f"{result['equivalent']} judged equivalent) -> {RESULTS.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
