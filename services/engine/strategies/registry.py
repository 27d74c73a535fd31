"""Find strategies: the built-ins plus every `trading.strategies` entry point.

A third-party package adds a strategy without touching the engine by
declaring, in its own pyproject::

    [project.entry-points."trading.strategies"]
    my_strategy = "my_package.module:MyStrategy"

The entry-point name must equal the class's `name`. A plugin that fails to
import, or is not a `Strategy` subclass, is logged and skipped: one broken
package never keeps the engine from starting.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from services.engine.strategies.base import Strategy
from services.engine.strategies.noop import NoopStrategy
from services.engine.strategies.quoter import QuoterStrategy
from services.shared.logs import get_logger

log = get_logger(__name__)

ENTRY_POINT_GROUP = "trading.strategies"

StrategyClass = type[Strategy[Any]]

BUILTIN_STRATEGIES: tuple[StrategyClass, ...] = (NoopStrategy, QuoterStrategy)


class UnknownStrategy(KeyError):
    """No strategy of that name is installed."""


class InvalidStrategy(TypeError):
    """An object registered as a strategy is not a usable Strategy subclass."""


def check_strategy_class(obj: object, expected_name: str | None = None) -> StrategyClass:
    """Return `obj` as a strategy class, or raise InvalidStrategy saying why."""
    if not isinstance(obj, type) or not issubclass(obj, Strategy):
        raise InvalidStrategy(f"{obj!r} is not a Strategy subclass")
    if not obj.name:
        raise InvalidStrategy(f"{obj.__qualname__} has no name")
    if expected_name is not None and obj.name != expected_name:
        raise InvalidStrategy(f"entry point {expected_name!r} names a strategy called {obj.name!r}")
    return obj


@dataclass(frozen=True)
class StrategyTemplate:
    """What the CMS needs to offer a strategy (DESIGN §2b, strategy template)."""

    name: str
    display_name: str
    description: str
    version: str
    exchanges: list[str]
    params_schema: dict[str, Any]
    source: str


class StrategyCatalog:
    """Strategies by name."""

    def __init__(self) -> None:
        self._classes: dict[str, StrategyClass] = {}
        self._sources: dict[str, str] = {}

    def register(self, cls: type[Any], *, source: str = "code") -> None:
        """Add (or replace) one strategy class."""
        checked = check_strategy_class(cls)
        self._classes[checked.name] = checked
        self._sources[checked.name] = source

    def load_entry_points(self) -> list[str]:
        """Import every `trading.strategies` entry point; return the names added."""
        added: list[str] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                cls = check_strategy_class(ep.load(), ep.name)
            except Exception as exc:  # a broken plugin must not stop the engine
                log.warning("strategy plugin skipped", entry_point=ep.value, error=str(exc))
                continue
            dist = ep.dist.name if ep.dist is not None else "?"
            self.register(cls, source=f"entry-point:{dist}")
            added.append(ep.name)
        return added

    def get(self, name: str) -> StrategyClass:
        """The class called `name`."""
        try:
            return self._classes[name]
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise UnknownStrategy(f"unknown strategy {name!r} (installed: {known})") from None

    def names(self) -> list[str]:
        """Installed strategy names, sorted."""
        return sorted(self._classes)

    def templates(self) -> list[StrategyTemplate]:
        """One template per installed strategy, for the CMS."""
        out = []
        for name in self.names():
            cls = self._classes[name]
            out.append(
                StrategyTemplate(
                    name=name,
                    display_name=cls.display_name or name,
                    description=cls.description,
                    version=cls.version,
                    exchanges=sorted(e.value for e in cls.supported_exchanges),
                    params_schema=cls.params_schema(),
                    source=self._sources[name],
                )
            )
        return out


def default_catalog() -> StrategyCatalog:
    """The built-ins plus every installed plugin."""
    catalog = StrategyCatalog()
    for cls in BUILTIN_STRATEGIES:
        catalog.register(cls, source="builtin")
    catalog.load_entry_points()
    return catalog
