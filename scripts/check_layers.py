#!/usr/bin/env python3
"""Fails when a file of the core includes a header of an area its own area may not use.

usage: check_layers.py LAYERS ROOT

LAYERS has one line per area, "area: dependency ...", as core/CMakeLists.txt declares them
(mailgate_core_area); each area's dependencies come on earlier lines, so the areas form layers
and no cycle. Every .hpp and .cpp under ROOT/core/<area>/ may include "core/<area>/..." of its
own area and of the areas its line names. An area is a folder under core/, or a folder under one
of those ("outbound/smtp"); a file or an include belongs to the longest area its folder is in, so
core/storage/sqlite/ is storage's and core/outbound/smtp/ is outbound/smtp's. Each violation is
printed as file:line.
"""

import pathlib
import re
import sys

INCLUDE = re.compile(r'\s*#\s*include\s*["<]core/([^">]+)[">]')


def read_layers(path):
    """The areas in declaration order, each with the set it may use, and the problems."""
    layers, problems = {}, []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        area, _, depends = line.partition(":")
        area = area.strip()
        for dependency in depends.split():
            if dependency not in layers:
                problems.append(f"{path}:{number}: {area} uses {dependency}, which is not "
                                "declared before it (a cycle, or an unknown area)")
        layers[area] = set(depends.split())
    return layers, problems


def area_of(layers, folders):
    """The longest declared area that the folders (a path's parts under core/) are in, if any."""
    for length in range(len(folders), 0, -1):
        area = "/".join(folders[:length])
        if area in layers:
            return area
    return None


def check(layers, root):
    problems = []
    core = root / "core"
    for file in sorted(core.rglob("*")):
        if file.suffix not in (".hpp", ".cpp") or file.parent == core:
            continue
        name = file.relative_to(root)
        folders = file.relative_to(core).parts[:-1]
        area = area_of(layers, folders)
        if area is None:
            problems.append(f"{name}: area '{'/'.join(folders)}' is not declared "
                            "(mailgate_core_area)")
            continue
        allowed = layers[area] | {area}
        for number, line in enumerate(file.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            included = match.group(1).split("/")[:-1]
            if not included:
                continue
            # An include of no declared area names its folder, so the message shows what to fix.
            used = area_of(layers, included) or "/".join(included)
            if used not in allowed:
                problems.append(f"{name}:{number}: {area} may not use {used} (undeclared edge "
                                f"{area} -> {used}; {area} may use: "
                                f"{' '.join(sorted(layers[area])) or 'nothing'})")
    return problems


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    layers, problems = read_layers(pathlib.Path(argv[1]))
    problems += check(layers, pathlib.Path(argv[2]))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
