"""Every domain package follows the template of CONVENTIONS.md.

A domain package is a subpackage of a service (``services/<svc>/src/<svc>/<package>/``) or of
the gateway (``gateway/src/gateway/<package>/``). The template: ``router.py`` (the only place
with routes, beside ``pages.py`` for human pages), ``schemas.py``, ``models.py``,
``repository.py`` (every query), ``service.py`` (never commits, nor does any module of a
package), ``errors.py`` (every domain error), ``policies.py`` where rules exist,
``worker.py`` (every periodic job, each under a lease); no service imports another; domain
code never imports FastAPI/Starlette or a docs generator.

Read from the source (``ast``), no import, no I/O: a package breaking the template fails here
with the file and line. A package that does not follow it yet is listed in :data:`WAITING`
with the reason, and a test fails once it conforms, so the list only shrinks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from kit.testing.plugin import repo_root

#: The top-level package of each deployable process; none imports another's.
SERVICES = ("directory", "events", "surveys", "eu_watch", "gateway")
#: What every package may import besides itself: shared mechanics and the event registry.
SHARED = ("kit", "contracts")
#: A file a package has → the files it then needs: routes take and give schemas and call a
#: service; tables are queried through a repository. (A domain error needs errors.py: the
#: errors rule below; a rule needs policies.py: CONVENTIONS.md, not checkable by a walk.)
REQUIRED: dict[str, tuple[str, ...]] = {
    "router.py": ("schemas.py", "service.py"),
    "models.py": ("repository.py",),
}
#: Modules that hold domain code: no web framework, no docs generator in them.
DOMAIN_MODULES = ("service.py", "repository.py", "models.py", "policies.py", "errors.py")
#: Imports domain code never makes: the web layer and the API document generators.
WEB_OR_DOCS = ("fastapi", "starlette", "kit.api_docs", "gateway.asyncapi", "gateway.openapi_merge")
#: Session calls that run a query: only a repository makes them.
QUERY_CALLS = frozenset({"execute", "scalar", "scalars", "stream", "stream_scalars", "get"})
#: Where routes live: the JSON API in router.py, the human pages (``/p/...``) in pages.py.
ROUTE_MODULES = ("router.py", "pages.py")
#: What starts a periodic job (``kit.lease``): only a package's worker.py calls it.
PERIODIC_CALLS = frozenset({"run_periodically"})
#: What a service may take from SQLAlchemy: the session it is handed, and its errors.
SESSION_ONLY = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc")
#: Base classes of domain errors (kit.problems): their subclasses live in errors.py.
KIT_PROBLEMS = frozenset(
    {
        "DomainError",
        "NotFound",
        "Unauthenticated",
        "Forbidden",
        "Conflict",
        "PreconditionFailed",
        "PayloadTooLarge",
        "InvalidInput",
    }
)

#: Rule names, as the failure messages and WAITING spell them.
MISSING = "missing"
COMMITS = "commits"
QUERIES = "queries outside repository.py"
ERRORS = "errors outside errors.py"
ROUTES = "routes outside router.py"
WEB = "web or docs import in domain code"
CROSS = "imports another service"
PERIODIC = "periodic job outside worker.py"

#: Packages that do not follow the template yet: (package, rule) → why it waits. No silent
#: exemption: each entry says what is left, and test_waiting_entries_are_still_needed fails
#: once the package conforms, so the entry must then be removed.
WAITING: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Package:
    name: str  # e.g. "events.agenda"
    path: Path

    def modules(self) -> list[Path]:
        return sorted(self.path.glob("*.py"))


def domain_packages() -> list[Package]:
    root = repo_root()
    service_roots = [root / "gateway" / "src" / "gateway", *root.glob("services/*/src/*")]
    return [
        Package(f"{service_root.name}.{path.name}", path)
        for service_root in service_roots
        for path in sorted(service_root.iterdir())
        if (path / "__init__.py").is_file()
    ]


def service_modules() -> list[Path]:
    root = repo_root()
    dirs = [root / "gateway" / "src", *root.glob("services/*/src")]
    return sorted(path for d in dirs for path in d.rglob("*.py"))


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _problem_bases() -> frozenset[str]:
    """kit's problem classes and every class declared in an errors.py (a domain error may
    refine another: ``RegistrationClosed(RegistrationUnavailable)``)."""
    names = set(KIT_PROBLEMS)
    for path in service_modules():
        if path.name == "errors.py":
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names.update(n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef))
    return frozenset(names)


def violations(package: Package) -> dict[str, list[str]]:
    """The package's breaks of the template, by rule: ``file:line what``."""
    found: dict[str, list[str]] = {}

    def add(rule: str, where: str) -> None:
        found.setdefault(rule, []).append(where)

    problem_bases = PROBLEM_BASES
    present = {p.name for p in package.modules()}
    for having, needed in REQUIRED.items():
        for name in needed:
            if having in present and name not in present:
                add(MISSING, f"{name} (it has {having})")
    for path in package.modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method = node.func.attr
                if method == "commit":  # the request dependency or a transaction block does
                    add(COMMITS, where)
                if (
                    method in QUERY_CALLS
                    and path.name in ("service.py", "router.py", "policies.py")
                    and ast.unparse(node.func.value).rsplit(".", 1)[-1] == "session"
                ):
                    add(QUERIES, f"{where} session.{method}")
            routes = isinstance(node, ast.Call) and ast.unparse(node.func).endswith("APIRouter")
            if routes and path.name not in ROUTE_MODULES:
                add(ROUTES, where)
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func).rsplit(".", 1)[-1] in PERIODIC_CALLS
                and path.name != "worker.py"
            ):
                add(PERIODIC, where)
            if isinstance(node, ast.ClassDef) and path.name != "errors.py":
                bases = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
                if bases & problem_bases:
                    add(ERRORS, f"{where} {node.name}")
        for line, module in imported_modules(tree):
            if path.name in DOMAIN_MODULES and _within(module, WEB_OR_DOCS):
                add(WEB, f"{path.name}:{line} {module}")
            if (
                path.name in ("service.py", "router.py", "policies.py")
                and _within(module, ("sqlalchemy",))
                and not _within(module, SESSION_ONLY)
            ):
                add(QUERIES, f"{path.name}:{line} {module}")
    return found


PROBLEM_BASES = _problem_bases()
PACKAGES = domain_packages()


def test_the_walk_sees_the_domain_packages() -> None:
    names = {p.name for p in PACKAGES}

    assert {"directory.actors", "events.registrations", "gateway.webhooks"} <= names


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_each_domain_package_follows_the_template(package: Package) -> None:
    broken = {
        rule: where
        for rule, where in violations(package).items()
        if (package.name, rule) not in WAITING
    }

    assert not broken, f"{package.name} breaks the template (CONVENTIONS.md): {broken}"


def test_waiting_entries_are_still_needed() -> None:
    by_name = {p.name: violations(p) for p in PACKAGES}
    done = [key for key in WAITING if key[1] not in by_name.get(key[0], {})]

    assert not done, f"these packages now follow the template: remove from WAITING: {done}"


def test_periodic_jobs_are_started_in_worker_modules_only() -> None:
    """Beside the packages' walk: a service's top-level module (a ``schedule.py`` was one)
    starting a periodic job fails here too."""
    outside = []
    for path in service_modules():
        if path.name == "worker.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        outside.extend(
            f"{path.relative_to(repo_root())}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and ast.unparse(node.func).rsplit(".", 1)[-1] in PERIODIC_CALLS
        )
    assert not outside, f"{PERIODIC}: {outside}"


def test_no_service_imports_another() -> None:
    crossing = []
    for path in service_modules():
        own = path.relative_to(repo_root()).parts
        service = own[own.index("src") + 1]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module in imported_modules(tree):
            top = module.split(".", 1)[0]
            if top in SERVICES and top != service:
                crossing.append(f"{'/'.join(own)}:{line} imports {module}")

    assert not crossing, f"{CROSS}: {crossing}"
