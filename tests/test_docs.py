"""The README and docs/ say only what is true of the repository: links and anchors lead
somewhere, `selloff` commands and options are the parser's, `make` targets are the Makefile's,
repository paths exist, and the README stays short.

Each check is a function returning its problems (one line each), so the last test can feed it
mistakes and see them reported.
"""

import argparse
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README_BUDGET = 300  # lines
#: top-level folders of the repository: a backticked word starting with one is a path
TOP = ("agents", "market", "scenarios", "viz", "tests", "benchmarks", "docs", "notebooks")

_FENCE = re.compile(r"^(```|~~~)")
_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
_INLINE = re.compile(r"`([^`]+?)`")
_PATH = re.compile(r"(?<![\w./~$-])((?:" + "|".join(TOP) + r")/[\w./*-]*)")


def split(text: str) -> tuple[str, list[str]]:
    """(the prose with fenced blocks blanked, the fenced blocks' lines with `\\` continuations
    joined)."""
    prose, code, fence, buf = [], [], False, ""
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            fence = not fence
            prose.append("")
            continue
        if fence:
            prose.append("")
            if line.rstrip().endswith("\\"):
                buf += line.rstrip()[:-1] + " "
            else:
                code.append(buf + line)
                buf = ""
        else:
            prose.append(line)
    return "\n".join(prose), code


def inline_code(prose: str) -> list[str]:
    """Inline code spans of the prose (a span may wrap a line, never a paragraph)."""
    return [m[1].replace("\n", " ") for m in _INLINE.finditer(prose) if "\n\n" not in m[1]]


def snippets(text: str) -> list[str]:
    """Everything written as code: fenced lines and inline spans."""
    prose, code = split(text)
    return code + inline_code(prose)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation other than - and _ dropped,
    spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a page's headings (a repeated heading gets -1, -2, ... as on GitHub)."""
    prose, _ = split(text)
    seen: dict[str, int] = {}
    out = set()
    for line in prose.splitlines():
        m = re.match(r"#{1,6} (.*)", line)
        if m:
            s = slug(m[1])
            n = seen.get(s, 0)
            out.add(s if n == 0 else f"{s}-{n}")
            seen[s] = n + 1
    return out


def link_problems(page: Path, text: str) -> list[str]:
    """Relative links that lead to no file, or to no heading of it (outside code)."""
    prose = _INLINE.sub("code", split(text)[0])
    out = []
    for m in _LINK.finditer(prose):
        target = m[1]
        if re.match(r"[a-z][a-z+.-]*:", target) or target.startswith("//"):
            continue  # http:, mailto:, ...
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        if not dest.exists():
            out.append(f"{page.name}: link {target}: no file {file}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text()):
            out.append(f"{page.name}: link {target}: no heading #{anchor} in {dest.name}")
    return out


def _subcommands(parser: argparse.ArgumentParser) -> dict:
    return next(a for a in parser._actions
                if isinstance(a, argparse._SubParsersAction)).choices


def command_problems(name: str, text: str, parser: argparse.ArgumentParser,
                     scenarios) -> list[str]:
    """`selloff COMMAND [SCENARIO] --option ...` written in code with a command, scenario or
    option the parser does not have (UPPER-CASE words are placeholders)."""
    subs = _subcommands(parser)
    out = []
    for snip in snippets(text):
        for m in re.finditer(r"(?<![\w./-])selloff[ \t]+(.*)", snip):
            words = re.split(r"\s+#", m[1], maxsplit=1)[0].split()
            if not words or not re.fullmatch(r"[a-z][a-z_-]*", words[0]):
                continue  # `selloff COMMAND --help`: a placeholder
            cmd = words[0]
            if cmd not in subs:
                out.append(f"{name}: `selloff {cmd}`: no such command")
                continue
            sub = subs[cmd]
            positional = [a.dest for a in sub._actions if not a.option_strings]
            if (positional[:1] == ["scenario"] and len(words) > 1
                    and re.fullmatch(r"[a-z][a-z0-9_-]*", words[1])
                    and words[1] not in scenarios):
                out.append(f"{name}: `selloff {cmd} {words[1]}`: no such scenario")
            for w in words[1:]:
                opt = re.match(r"[\[(]*(--?[A-Za-z][\w-]*)", w)
                if opt and opt[1] not in sub._option_string_actions:
                    out.append(f"{name}: `selloff {cmd}`: no option {opt[1]}")
    return out


def make_targets(makefile: Path) -> set[str]:
    """The Makefile's targets (rules `name:`; not `VAR :=`)."""
    return set(re.findall(r"^([A-Za-z][\w-]*)[ \t]*:(?!=)", makefile.read_text(), re.M))


def make_problems(name: str, text: str, targets: set[str]) -> list[str]:
    """`make TARGET` written in code naming no target of the Makefile (upper case: a
    placeholder)."""
    out = []
    for snip in snippets(text):
        for m in re.finditer(r"(?<![\w$(/.-])make[ \t]+([a-z][\w-]*)(?![\w-]*=)", snip):
            if m[1] not in targets:
                out.append(f"{name}: `make {m[1]}`: no such target")
    return out


def path_problems(name: str, text: str, root: Path) -> list[str]:
    """Repository paths written in code (`agents/kinds/`, `benchmarks/bench_model.py`) that do
    not exist under `root`."""
    out = []
    for snip in snippets(text):
        for m in _PATH.finditer(snip):
            p = m[1].rstrip(".,:;")
            found = list(root.glob(p)) if "*" in p else (root / p).exists()
            if not found:
                out.append(f"{name}: path {p}: does not exist")
    return out


def budget_problems(text: str, budget: int = README_BUDGET) -> list[str]:
    n = len(text.splitlines())
    return [f"README.md: {n} lines, over the budget of {budget}"] if n > budget else []


@pytest.fixture(scope="module")
def parser():
    from scenarios.cli import build_parser

    return build_parser()


@pytest.fixture(scope="module")
def scenario_names():
    from scenarios.library.catalog import SCENARIOS

    return set(SCENARIOS)


def _report(problems):
    return "\n" + "\n".join(problems)


def test_the_pages_are_there():
    names = {p.name for p in PAGES}
    assert {"README.md", "index.md", "classroom_floor.md"} <= names and len(names) >= 8


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_and_anchors_lead_somewhere(page):
    problems = link_problems(page, page.read_text())
    assert not problems, _report(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_selloff_commands_and_options_exist(page, parser, scenario_names):
    problems = command_problems(page.name, page.read_text(), parser, scenario_names)
    assert not problems, _report(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_make_targets_exist(page):
    problems = make_problems(page.name, page.read_text(), make_targets(ROOT / "Makefile"))
    assert not problems, _report(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_repository_paths_exist(page):
    problems = path_problems(page.name, page.read_text(), ROOT)
    assert not problems, _report(problems)


def test_the_readme_stays_short():
    problems = budget_problems((ROOT / "README.md").read_text())
    assert not problems, _report(problems)


def test_the_checks_report_each_kind_of_mistake(tmp_path, parser, scenario_names):
    (tmp_path / "other.md").write_text("# Other\n\n## A heading\n")
    page = tmp_path / "page.md"
    text = """# Page

## Good `things`

[fine](other.md#a-heading), [here](#good-things), [web](https://example.com/x#y).
`selloff run deepseek --seed 3 --set days=1`, `selloff COMMAND --help`, `make demo`,
`agents/kinds/`, `benchmarks/bench_model.py`.

## Bad things

[gone](missing.md), [no heading](other.md#no-such-heading), [here](#nowhere).

```
selloff frobnicate --fast
selloff run deepseek --seed 3 \\
    --frobnicate 2        # the option is on a continuation line
make frobnicate
```

`selloff run nosuchscenario`, `selloff batch deepseek --grid a=1 [--nope N]`,
`make lint-all`, `agents/no_such_module.py`, `scenarios/nowhere/`.
"""
    page.write_text(text)
    assert link_problems(page, text) == [
        "page.md: link missing.md: no file missing.md",
        "page.md: link other.md#no-such-heading: no heading #no-such-heading in other.md",
        "page.md: link #nowhere: no heading #nowhere in page.md"]
    assert command_problems("page.md", text, parser, scenario_names) == [
        "page.md: `selloff frobnicate`: no such command",
        "page.md: `selloff run`: no option --frobnicate",
        "page.md: `selloff run nosuchscenario`: no such scenario",
        "page.md: `selloff batch`: no option --nope"]
    assert make_problems("page.md", text, make_targets(ROOT / "Makefile")) == [
        "page.md: `make frobnicate`: no such target", "page.md: `make lint-all`: no such target"]
    assert path_problems("page.md", text, ROOT) == [
        "page.md: path agents/no_such_module.py: does not exist",
        "page.md: path scenarios/nowhere/: does not exist"]
    assert budget_problems("x\n" * 300) == []
    assert budget_problems("x\n" * 301) == ["README.md: 301 lines, over the budget of 300"]


def test_anchors_follow_githubs_rule():
    assert slug("Scenarios, shocks and `selloff run`") == "scenarios-shocks-and-selloff-run"
    assert slug("Floor settings (`--set floor.FIELD=VALUE`)") == (
        "floor-settings---set-floorfieldvalue")
    assert slug("Sensitivity: what drives Nvidia's 27 January") == (
        "sensitivity-what-drives-nvidias-27-january")
    assert anchors("# A\n\n## A\n\n```\n# not a heading\n```\n") == {"a", "a-1"}
