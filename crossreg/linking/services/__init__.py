"""Writes of the supervision-object base. Keyword-only, atomic, audited (one ledger entry per batch).

- :func:`source_list_import` — a department's list (file or API push) becomes the department's
  current snapshot; rows are standardised, new and changed rows are linked incrementally, vanished
  rows are marked *left*, and base membership is recomputed. All or nothing.
- :func:`linking_relink` — the whole city relinked with the active model (or a newly trained one);
  human decisions override the model.
- :func:`review_pair_decide`, :func:`entity_split` — clerical review.

The package is split along its seams: ``frames`` (node frames), ``model`` (link models),
``imports`` (list import), ``apply`` (writing links), ``link`` (incremental and full runs),
``base`` (base membership), ``review`` (clerical review). Every public name is importable from
``crossreg.linking.services``.
"""

from crossreg.linking.services._common import (
    RECORD_STD_FIELDS,
    Actor,
    can_review,
    thresholds,
)
from crossreg.linking.services.apply import DETAIL_COLUMNS
from crossreg.linking.services.base import base_membership_recompute
from crossreg.linking.services.frames import (
    RECORD_NODE_COLUMNS,
    RECORD_NODE_SCHEMA,
    REGISTRY_CACHE_MIN,
    REGISTRY_CACHE_VERSION,
    division_gazetteer,
    record_nodes,
    registry_nodes,
)
from crossreg.linking.services.imports import (
    ImportPreview,
    ImportResult,
    duplicate_rows,
    import_directory,
    source_list_import,
    source_list_preview,
    source_list_push,
    standardise_frame,
    upload_discard,
    upload_stash,
    upload_stashed,
)
from crossreg.linking.services.link import RelinkResult, link_incremental, linking_relink
from crossreg.linking.services.model import (
    MIN_TRAINING_NODES,
    link_model_active,
    link_model_install_default,
    link_model_train,
)
from crossreg.linking.services.review import (
    DecisionConflict,
    entity_split,
    review_conflicts,
    review_pair_decide,
)

__all__ = [
    "DETAIL_COLUMNS",
    "MIN_TRAINING_NODES",
    "RECORD_NODE_COLUMNS",
    "RECORD_NODE_SCHEMA",
    "RECORD_STD_FIELDS",
    "REGISTRY_CACHE_MIN",
    "REGISTRY_CACHE_VERSION",
    "Actor",
    "DecisionConflict",
    "ImportPreview",
    "ImportResult",
    "RelinkResult",
    "base_membership_recompute",
    "can_review",
    "division_gazetteer",
    "duplicate_rows",
    "entity_split",
    "import_directory",
    "link_incremental",
    "link_model_active",
    "link_model_install_default",
    "link_model_train",
    "linking_relink",
    "record_nodes",
    "registry_nodes",
    "review_conflicts",
    "review_pair_decide",
    "source_list_import",
    "source_list_preview",
    "source_list_push",
    "standardise_frame",
    "thresholds",
    "upload_discard",
    "upload_stash",
    "upload_stashed",
]
