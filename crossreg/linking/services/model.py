"""Link models: train one on the city's data, or install the default shipped with the code."""

from __future__ import annotations

import hashlib
import json
import time

import polars as pl
from django.db import transaction
from django.db.models import Max

from crossreg.core.audit import audit_record
from crossreg.linking import engine
from crossreg.linking.models import (
    LinkModel,
)
from crossreg.linking.services._common import Actor, _var_dir, thresholds
from crossreg.linking.services.frames import _as_nodes, division_gazetteer, record_nodes, registry_nodes


def link_model_active() -> LinkModel | None:
    return LinkModel.objects.filter(active=True).order_by("-version").first()


@transaction.atomic
def link_model_train(*, actor: Actor, nodes: pl.DataFrame | None = None) -> LinkModel:
    """Train a new model version on the current records and the registry, save it (database and
    ``var/linking/model-vN.json``) and make it the active one."""
    import splink

    if nodes is None:
        gz = division_gazetteer()
        nodes = pl.concat(
            [registry_nodes(gz), _as_nodes(record_nodes(), anchored=False)], how="vertical_relaxed"
        )
    started = time.perf_counter()
    trained = engine.model_train(nodes)
    text = trained.to_json()
    digest = hashlib.sha256(text.encode()).hexdigest()
    version = (LinkModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    path = _var_dir() / f"model-v{version}.json"
    path.write_text(text, encoding="utf-8")
    match, review = thresholds()
    LinkModel.objects.filter(active=True).update(active=False)
    model = LinkModel.objects.create(
        version=version,
        splink_version=splink.__version__,
        settings_json=trained.settings,
        sha256=digest,
        path=str(path),
        threshold_match=match,
        threshold_review=review,
        trained_on=nodes.height,
        summary={**trained.summary, "seconds": round(time.perf_counter() - started, 1)},
        active=True,
    )
    audit_record(
        actor=actor,
        action="linking.model.train",
        subject_type="link_model",
        subject_id=model.version,
        payload={"version": version, "trained_on": nodes.height, "sha256": digest},
    )
    return model


MIN_TRAINING_NODES = 5000
"""Below this many rows a city's own training is unreliable; the shipped default model is used."""


def _ensure_model(actor: Actor, nodes: pl.DataFrame) -> LinkModel:
    model = link_model_active()
    if model is None:
        if nodes.height >= MIN_TRAINING_NODES:
            model = link_model_train(actor=actor, nodes=nodes)
        else:
            model = link_model_install_default(actor=actor)
    return model


@transaction.atomic
def link_model_install_default(*, actor: Actor) -> LinkModel:
    """Install the model shipped with the code as a new active version."""
    import splink

    model_dict = engine.default_model()
    text = json.dumps(model_dict, ensure_ascii=False, sort_keys=True, indent=1)
    digest = hashlib.sha256(text.encode()).hexdigest()
    version = (LinkModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    match, review = thresholds()
    LinkModel.objects.filter(active=True).update(active=False)
    model = LinkModel.objects.create(
        version=version,
        splink_version=splink.__version__,
        settings_json=model_dict,
        sha256=digest,
        path="crossreg/linking/data/default_model.json",
        threshold_match=match,
        threshold_review=review,
        trained_on=0,
        summary={"source": "default model shipped with the code"},
        active=True,
    )
    audit_record(
        actor=actor,
        action="linking.model.install_default",
        subject_type="link_model",
        subject_id=version,
        payload={"version": version, "sha256": digest},
    )
    return model
