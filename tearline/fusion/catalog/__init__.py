"""The threat-actor catalog: seeded from public lists, resolved by alias.

``load_catalog()`` reads MITRE ATT&CK intrusion sets and campaigns, the UN
Security Council consolidated list's entities, Canada's listed terrorist
entities and MISP's threat-actor galaxy from the shared data folder, merges
records of the same actor, and
returns a ``Catalog`` whose ``resolve(name)`` maps any spelling to an actor.
``apply_decisions`` replays analyst confirm/merge/split decisions on top.
"""

from tearline.fusion.catalog.build import (
    build_actors,
    cache_dir,
    load_catalog,
    load_records,
    merge_records,
    shared_data_dir,
)
from tearline.fusion.catalog.decisions import Decision, DecisionError, DecisionKind, apply_decisions
from tearline.fusion.catalog.model import DEFAULT_FUZZY_THRESHOLD, Actor, Catalog, Resolution
from tearline.fusion.catalog.normalize import (
    designator_key,
    is_acronym,
    is_structural,
    is_template,
    name_key,
    skeleton_key,
    split_names,
)
from tearline.fusion.catalog.sources import SourceRecord, parse_name_field, split_summary

__all__ = [
    "DEFAULT_FUZZY_THRESHOLD",
    "Actor",
    "Catalog",
    "Decision",
    "DecisionError",
    "DecisionKind",
    "Resolution",
    "SourceRecord",
    "apply_decisions",
    "build_actors",
    "cache_dir",
    "designator_key",
    "is_acronym",
    "is_structural",
    "is_template",
    "load_catalog",
    "load_records",
    "merge_records",
    "name_key",
    "parse_name_field",
    "shared_data_dir",
    "skeleton_key",
    "split_names",
    "split_summary",
]
