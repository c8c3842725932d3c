"""The layout is the architecture: one-way imports between and inside the rooms, no import circles."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("site_inventory", "extractors", "mappings", "migrate")
# Inside a package, a room may import the rooms listed before it (and the package's top modules).
ROOMS = {
    "site_inventory": [("",), ("crawl", "sample"), ("audit",)],
    "migrate": [("export",), ("redirects",), ("shutdown",), ("demo",), ("serve",), ("cli",)],
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module of the project ``name`` imports, anywhere in the file (function bodies too)."""
    is_package = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = {f"{target}.{a.name}" for a in node.names} & known.keys()
            out.update(submodules)
            if target in known and len(submodules) < len(node.names):
                out.add(target)
    out.discard(name)
    return out


@pytest.fixture(scope="module")
def graph():
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def room_of(module: str) -> tuple[str, int]:
    """(package, rank of its room) of a module; top modules of a package rank with room ''."""
    parts = module.split(".")
    package = parts[0]
    rooms = ROOMS.get(package)
    if not rooms or len(parts) == 1:
        return package, 0
    room = parts[1]
    for rank, names in enumerate(rooms):
        if room in names:
            return package, rank
    return package, 0


def test_the_graph_sees_the_known_edges(graph):
    assert "site_inventory.crawl.fetch" in graph["site_inventory.crawl.engine"]
    assert "site_inventory.urls" in graph["site_inventory.crawl.discovery"]
    assert "migrate.redirects.servers" in graph["migrate.redirects.nginx"]


def test_no_module_imports_a_module_that_imports_it_back(graph):
    circles = []
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert circles == []


def test_data_flows_one_way_between_packages(graph):
    order = {p: i for i, p in enumerate(PACKAGES)}
    wrong = [(a, b) for a, targets in graph.items() for b in targets
             if order[b.split(".")[0]] > order[a.split(".")[0]]]
    assert wrong == []


def test_data_flows_one_way_inside_each_package(graph):
    wrong = []
    for a, targets in graph.items():
        pa, ra = room_of(a)
        for b in targets:
            pb, rb = room_of(b)
            if pa != pb or b == pb:
                continue
            same_rank_other_room = ra == rb and len(a.split(".")) > 2 and len(b.split(".")) > 2 \
                and a.split(".")[1] != b.split(".")[1]
            top_reaching_down = len(a.split(".")) == 2 and len(b.split(".")) > 2 and pa in ROOMS \
                and a.split(".")[1] not in sum(ROOMS[pa], ()) and rb > 0
            if rb > ra or same_rank_other_room or top_reaching_down:
                wrong.append((a, b))
    assert wrong == []


def test_no_file_name_repeats_its_folder():
    repeated = [str(p.relative_to(ROOT)) for package in PACKAGES for p in (ROOT / package).rglob("*.py")
                if p.parent.name != package and p.stem.startswith(p.parent.name.rstrip("s") + "_")]
    prefixes = {}
    for package in PACKAGES:
        for p in (ROOT / package).rglob("*.py"):
            if "_" in p.stem and not p.stem.startswith("_"):
                prefixes.setdefault((p.parent, p.stem.split("_")[0]), []).append(p.name)
    shared = {f"{folder.relative_to(ROOT)}/{prefix}_*": names for (folder, prefix), names in prefixes.items()
              if len(names) > 2}
    assert repeated == [] and shared == {}


def test_every_room_says_what_it_holds():
    for package in PACKAGES:
        for init in (ROOT / package).rglob("__init__.py"):
            doc = ast.get_docstring(ast.parse(init.read_text("utf-8")))
            assert doc and len(doc.split()) >= 15, init
