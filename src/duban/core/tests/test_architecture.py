"""The shape of the house, checked: apps in layers without import cycles, every app with
the same rooms, no ORM in views and routers, mypy on every services and selectors module.

The import graph is read from the source with ``ast``: every ``import`` and ``from …
import`` of an app's modules counts, at module level, inside functions and under
``if TYPE_CHECKING:`` alike. Tests and migrations are left out: a test may build its
fixtures with any app (an SLA test may create tickets), and migrations are history.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from django.conf import settings

import duban

SRC = Path(duban.__file__).resolve().parent
ROOT = SRC.parent.parent

# Lower layers never import higher ones; apps of one layer may import each other as long
# as no cycle forms. A new app must be placed here (test_every_app_has_a_layer).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),  # shared helpers: access, API errors and schemas, choices, errors, periods
    ("org",),  # units, users, roles, API tokens
    ("sla",),  # working calendar, deadline rules
    ("tickets",),  # the ticket engine
    ("dispatch",),  # text intelligence (routing, duplicates, knowledge, hot-spots)
    ("metrics",),  # figures, rankings, the monthly rollup
    ("notifications",),  # notices to staff and the SMS outbox (observes the ticket engine)
    ("indicators",),  # economic indicators: areas, monthly data, ranks (needs only core, org)
    ("enterprises",),  # enterprise service (万人助万企): registry, visits, problems, proxy cases
    ("projects",),  # key projects (项目为王): ledger, monthly dispatch, lag; points at enterprises
    ("inspections",),  # inspections (督查检查): checklists, sites, rounds, findings, scores
    ("portal", "web", "api", "demo", "jobs"),  # pages, the NinjaAPI, the demo, scheduled jobs
)
LAYER = {app: level for level, apps in enumerate(LAYERS) for app in apps}
# Packages of src/duban that are not apps and that no app module may import.
TEST_ONLY = ("testing",)

ROOMS = ("models", "services", "selectors", "api", "views", "admin", "tests")
# Rooms an app does not have, and why. An app that grows the room must drop its line here.
ABSENT_ROOMS: dict[str, dict[str, str]] = {
    "core": {
        # Shared helpers below every app (access, API errors and schemas, choices, errors,
        # periods): no data of its own, no pages, no endpoints.
        "models": "no tables",
        "services": "no writes",
        "selectors": "no reads",
        "api": "no endpoints (core/schemas.py and core/api_errors.py serve every router)",
        "views": "no pages (core/access.py guards every app's pages)",
        "admin": "no models",
    },
    "org": {"views": "units, users and tokens are managed in the admin and by `duban token`"},
    "sla": {
        "api": "calendar and rules are edited in the admin and by `duban calendar`",
        "views": "as for api; deadlines show on the tickets' pages",
    },
    "tickets": {},
    "dispatch": {"views": "its suggestions show on web's intake desk; its endpoints in api.py"},
    "metrics": {},
    "notifications": {},
    "indicators": {},
    "enterprises": {},
    "projects": {},
    "inspections": {},
    "portal": {
        "models": "a citizen's appeal is a ticket",
        "api": "public pages only",
        "admin": "no models",
    },
    "web": {
        "models": "staff pages over the other apps' data",
        "api": "pages only; the endpoints live in each app's api.py",
        "admin": "no models",
    },
    "api": {
        # Only assembles the NinjaAPI from the apps' routers.
        "models": "no tables",
        "services": "no writes",
        "selectors": "no reads",
        "views": "the NinjaAPI serves /api/v1/",
        "admin": "no models",
    },
    "demo": {
        # `duban demo` builds a demo district through the other apps' services.
        "models": "no tables",
        "services": "writes through the other apps' services",
        "selectors": "reads through the other apps' selectors",
        "api": "a command, not an endpoint",
        "views": "a command, not a page",
        "admin": "no models",
    },
    "jobs": {
        # Commands run on a schedule (`duban sla tick`); later the job worker.
        "models": "no tables yet",
        "services": "jobs call the other apps' services",
        "selectors": "jobs call the other apps' selectors",
        "api": "no endpoints",
        "views": "no pages",
        "admin": "no models",
    },
}
# View modules that still query the ORM themselves, and why (remove the line once moved).
ORM_IN_VIEWS_ALLOWED: dict[str, str] = {}


def apps() -> list[str]:
    return [a.split(".")[1] for a in settings.INSTALLED_APPS if a.startswith("duban.")]


def _is_production(path: Path) -> bool:
    parts = path.relative_to(SRC).parts
    return not (
        "tests" in parts
        or "migrations" in parts
        or parts[-1].startswith("test_")
        or parts[-1] == "conftest.py"
    )


def app_modules(app: str) -> Iterator[Path]:
    yield from (p for p in sorted((SRC / app).rglob("*.py")) if _is_production(p))


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def imported_modules(path: Path) -> Iterator[str]:
    """Absolute names of the modules ``path`` imports, wherever the import statement is."""
    package = ["duban", *path.relative_to(SRC).parts[:-1]]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package[: len(package) - node.level + 1], *([base] if base else [])]
                )
            # `from duban import tickets`, `from . import views`: the names are modules too.
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def duban_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "duban" else None


@cache
def app_graph() -> dict[str, dict[str, list[str]]]:
    """app → imported app → the modules (paths under src/duban) that import it."""
    known = set(apps())
    graph: dict[str, dict[str, list[str]]] = {app: {} for app in known}
    for app in known:
        for path in app_modules(app):
            for module in imported_modules(path):
                target = duban_part(module)
                if target in known and target != app:
                    files = graph[app].setdefault(target, [])
                    rel = str(path.relative_to(SRC))
                    if rel not in files:
                        files.append(rel)
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """One import cycle as a closed path of apps (first == last), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(app: str) -> list[str] | None:
        state[app] = "open"
        stack.append(app)
        for target in sorted(graph[app]):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[app] = "done"
        return None

    for app in sorted(graph):
        if app not in state and (found := visit(app)):
            return found
    return None


def test_every_app_has_a_layer_and_its_room_list() -> None:
    assert sorted(apps()) == sorted(LAYER), "place every duban app in LAYERS"
    assert sorted(apps()) == sorted(ABSENT_ROOMS), "list every duban app in ABSENT_ROOMS"


def test_no_import_cycle_between_apps() -> None:
    graph = app_graph()
    cycle = find_cycle(graph)
    if cycle is not None:
        steps = [
            f"  {a} -> {b}: {', '.join(graph[a][b])}"
            for a, b in zip(cycle, cycle[1:], strict=False)
        ]
        raise AssertionError("apps import each other in a circle:\n" + "\n".join(steps))


def test_no_app_imports_a_higher_layer() -> None:
    wrong = [
        f"{app} (layer {LAYER[app]}) -> {target} (layer {LAYER[target]}): {', '.join(files)}"
        for app, targets in sorted(app_graph().items())
        for target, files in sorted(targets.items())
        if LAYER[target] > LAYER[app]
    ]
    assert wrong == []


def test_no_app_module_imports_test_helpers() -> None:
    wrong = [
        f"{path.relative_to(SRC)} imports {module}"
        for app in apps()
        for path in app_modules(app)
        for module in imported_modules(path)
        if duban_part(module) in TEST_ONLY
    ]
    assert wrong == []


def _has_room(app: str, room: str) -> bool:
    module, package = SRC / app / f"{room}.py", SRC / app / room
    if module.is_file():
        return module.stat().st_size > 0  # an empty placeholder is no room
    return (package / "__init__.py").is_file()


def test_every_app_has_the_same_rooms() -> None:
    missing, stale = [], []
    for app in apps():
        for room in ROOMS:
            absent_reason = ABSENT_ROOMS.get(app, {}).get(room)
            if _has_room(app, room) and absent_reason:
                stale.append(f"{app}/{room}: exists, drop it from ABSENT_ROOMS")
            elif not _has_room(app, room) and not absent_reason:
                missing.append(f"{app}/{room}")
    assert missing == [] and stale == []


def view_modules(app: str) -> Iterator[Path]:
    """The modules that answer requests: those the app's urls.py routes to, and its routers."""
    names = set()
    urls = SRC / app / "urls.py"
    if urls.is_file():
        for module in imported_modules(urls):
            if module.startswith(f"duban.{app}."):
                names.add(module.split(".")[2])
    for path in sorted((SRC / app).glob("*.py")):
        if path.stem in names or path.stem == "api" or path.stem.startswith("api_"):
            yield path


def test_views_and_routers_leave_the_orm_to_selectors_and_services() -> None:
    """``Model.objects`` in a view or a router is a read or write in the wrong room."""
    wrong = []
    for app in apps():
        for path in view_modules(app):
            rel = str(path.relative_to(SRC))
            if rel in ORM_IN_VIEWS_ALLOWED:
                continue
            uses = sorted(
                {
                    node.lineno
                    for node in ast.walk(_tree(path))
                    if isinstance(node, ast.Attribute) and node.attr == "objects"
                }
            )
            if uses:
                wrong.append(f"{rel}: .objects on lines {uses}")
    assert wrong == []


def test_mypy_covers_every_services_and_selectors_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    covered = {
        p.resolve() for pattern in config["tool"]["mypy"]["files"] for p in ROOT.glob(pattern)
    }
    layers = [
        path
        for app in apps()
        for path in app_modules(app)
        if path.stem in ("services", "selectors")
        or path.stem.startswith(("selectors_", "services_"))
        or path.stem.endswith(("_selectors", "_services"))
        or path.parent.name in ("services", "selectors")
    ]
    assert layers, "no services or selectors modules found"
    assert [str(p.relative_to(SRC)) for p in layers if p.resolve() not in covered] == []
