#!/usr/bin/env python3
"""Static checks of a Helm chart's templates, for a machine without helm (Debian 12 has none).

    python3 tests/deploy/check_helm_chart.py deploy/helm/evalbridge

This does NOT render the templates: no Go-template engine is involved, so it cannot tell whether
the rendered output is valid YAML or a valid Kubernetes object (`helm lint`/`helm template` and
`kubectl --dry-run` against a cluster do that). What it checks, in every file under templates/:
  - every "{{" has its "}}" (and no action opens inside another);
  - if/with/range/define/block are closed by "end", and "else" stands inside one of them;
  - every .Values.a.b path names a key that values.yaml has;
  - every include/template names a "define" of the chart, and every "define" is used;
  - every .Chart.Field is set in Chart.yaml.
Exit 0 and a summary when all hold; otherwise each problem with its file and line, and exit 1.
"""
import pathlib
import re
import sys

import yaml  # python3-yaml, which yamllint depends on

ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
CHART_REF = re.compile(r"\.Chart\.([A-Za-z]+)")
NAMED = re.compile(r'\b(include|template|define|block)\s+"([^"]+)"')
OPENERS = {"if", "with", "range", "define", "block"}


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def main(chart_dir):
    chart_dir = pathlib.Path(chart_dir)
    problems = []
    chart = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    values = yaml.safe_load((chart_dir / "values.yaml").read_text())
    for key in ("apiVersion", "name", "version"):
        if not chart.get(key):
            problems.append(f"Chart.yaml: {key} is missing")
    templates = sorted(p for p in (chart_dir / "templates").iterdir()
                       if p.suffix in (".yaml", ".yml", ".tpl", ".txt"))
    if not templates:
        problems.append(f"{chart_dir}/templates: no templates")

    counts = {"actions": 0, "blocks": 0, "values": 0, "includes": 0}
    defined, used = {}, {}
    for path in templates:
        text = path.read_text()
        name = path.relative_to(chart_dir)
        # Delimiters: strip the actions, then nothing that looks like one may be left.
        rest = ACTION.sub("", text)
        for stray in re.finditer(r"\{\{|\}\}", rest):
            problems.append(f"{name}: an unmatched {stray.group(0)!r}")
        stack = []
        for match in ACTION.finditer(text):
            counts["actions"] += 1
            body = match.group(1).strip()
            body = body[1:].strip() if body.startswith("-") else body
            body = body[:-1].strip() if body.endswith("-") else body
            where = f"{name}:{line_of(text, match.start())}"
            if body.startswith("/*"):
                if not body.endswith("*/"):
                    problems.append(f"{where}: a comment must end with */ right before }}}}")
                continue
            if "{{" in body:
                problems.append(f"{where}: an action opens inside another")
            word = body.split(None, 1)[0] if body else ""
            if word in OPENERS:
                stack.append((word, where))
                counts["blocks"] += 1
            elif word == "end":
                if not stack:
                    problems.append(f"{where}: end without an open block")
                else:
                    stack.pop()
            elif word == "else" and not stack:
                problems.append(f"{where}: else outside any block")
            for ref in VALUES_REF.finditer(body):
                counts["values"] += 1
                node, walked = values, []
                for key in ref.group(1).split(".")[1:]:
                    walked.append(key)
                    if not isinstance(node, dict) or key not in node:
                        problems.append(f"{where}: .Values.{'.'.join(walked)} is not in values.yaml")
                        break
                    node = node[key]
            for ref in CHART_REF.finditer(body):
                field = ref.group(1)[0].lower() + ref.group(1)[1:]
                if field not in chart:
                    problems.append(f"{where}: .Chart.{ref.group(1)} is not set in Chart.yaml")
            for kind, named in NAMED.findall(body):
                if kind in ("define", "block"):
                    defined.setdefault(named, where)
                else:
                    counts["includes"] += 1
                    used.setdefault(named, where)
        for word, where in stack:
            problems.append(f"{where}: {word} is never closed by end")
    for named, where in used.items():
        if named not in defined:
            problems.append(f'{where}: "{named}" is never defined')
    for named, where in defined.items():
        if named not in used:
            problems.append(f'{where}: "{named}" is defined but never used')

    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"chart {chart.get('name')} {chart.get('version')}: {len(templates)} templates, "
          f"{counts['actions']} actions, {counts['blocks']} blocks closed, "
          f"{counts['values']} .Values references found in values.yaml, "
          f"{counts['includes']} includes of {len(defined)} defines")
    print("not checked: the templates were not rendered (no helm here), so the rendered YAML and its "
          "Kubernetes schema were not")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
