"""Per-version runtime objects: the parsed net and its OR-join analyzer, built once per
published version and cached for the life of the process (versions are immutable)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from engine.core.net import Net, parse_net
from engine.core.orjoin import OrJoinAnalyzer


@dataclass(frozen=True)
class Runtime:
    net: Net
    or_join: OrJoinAnalyzer


# keyed by (pk, published_at): a pk alone can be reused after a rolled-back transaction
_cache: dict[tuple[int, object], Runtime] = {}
_lock = threading.Lock()


def runtime_for(version) -> Runtime:  # version: definitions.models.DefinitionVersion
    key = (version.pk, version.published_at)
    rt = _cache.get(key)
    if rt is None:
        net = parse_net(version.net)
        rt = Runtime(net=net, or_join=OrJoinAnalyzer(net))
        with _lock:
            _cache[key] = rt
    return rt
