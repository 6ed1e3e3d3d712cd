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


_cache: dict[int, Runtime] = {}
_lock = threading.Lock()


def runtime_for(version) -> Runtime:  # version: designer.models.DefinitionVersion
    rt = _cache.get(version.pk)
    if rt is None:
        net = parse_net(version.net)
        rt = Runtime(net=net, or_join=OrJoinAnalyzer(net))
        with _lock:
            _cache[version.pk] = rt
    return rt
