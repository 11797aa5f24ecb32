"""A review decision applies to its pair only; a conflicting one is shown, and the reviewer chooses.

Issue 17 item 0: in the review queue, "same entity" on one pair, then "not the same" on the next,
turned all four pending pairs of that cluster into non-matches with one timestamp.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crossreg.linking import services
from crossreg.linking.models import ReviewPair, SourceRecord
from crossreg.linking.tests.conftest import SCJG_HEADER, STHJ_HEADER, csv_bytes, scjg_row, sthj_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def cluster(city: dict[str, Any]) -> dict[str, Any]:
    """Three departments list entity 1; the queue holds four pending pairs of that one cluster."""
    e1 = city["entities"][1]
    for dept, header, row, rid in (
        ("scjg", SCJG_HEADER, scjg_row, "SJ1"),
        ("sthj", STHJ_HEADER, sthj_row, "WR1"),
        ("yjgl", STHJ_HEADER, sthj_row, "YJ1"),
    ):
        services.source_list_import(
            actor="system:test",
            department=city["depts"][dept],
            content=csv_bytes(header, [row(e1, rid)]),
            file_name=f"{dept}.csv",
        )
    a, b, c = (SourceRecord.objects.get(local_id=x) for x in ("SJ1", "WR1", "YJ1"))
    assert a.entity_id == b.entity_id == c.entity_id == e1.pk
    ReviewPair.objects.all().delete()

    def with_entity(r: SourceRecord) -> ReviewPair:
        return ReviewPair.objects.create(
            record=r, other_entity=e1, node_a=-e1.pk, node_b=r.pk, match_probability=0.8
        )

    def with_record(r: SourceRecord, o: SourceRecord) -> ReviewPair:
        lo, hi = sorted((r, o), key=lambda x: x.pk)
        return ReviewPair.objects.create(
            record=lo, other_record=hi, node_a=lo.pk, node_b=hi.pk, match_probability=0.7
        )

    return {
        **city,
        "e1": e1,
        "a": a,
        "b": b,
        "c": c,
        "a_e1": with_entity(a),
        "b_e1": with_entity(b),
        "a_b": with_record(a, b),
        "c_e1": with_entity(c),
    }


def _status(*pairs: ReviewPair) -> list[str]:
    return [ReviewPair.objects.get(pk=p.pk).status for p in pairs]


def test_a_decision_changes_its_own_pair_only(cluster: dict[str, Any]) -> None:
    """The issue's scenario: same on one pair, then not the same on the next."""
    reviewer = cluster["reviewer"]
    services.review_pair_decide(actor=reviewer, pair=cluster["a_e1"], decision="match")
    services.review_pair_decide(actor=reviewer, pair=cluster["b_e1"], decision="non_match")
    assert _status(cluster["a_e1"], cluster["b_e1"], cluster["a_b"], cluster["c_e1"]) == [
        "match",
        "non_match",
        "pending",
        "pending",
    ]
    assert ReviewPair.objects.filter(status="match").count() == 1  # "decided same" still shows it
    a, b, c = (SourceRecord.objects.get(pk=cluster[x].pk) for x in ("a", "b", "c"))
    assert a.entity_id == c.entity_id == cluster["e1"].pk  # only the record decided different left
    assert b.entity_id != cluster["e1"].pk


def test_a_contradicting_decision_is_refused_with_the_conflict(cluster: dict[str, Any]) -> None:
    reviewer = cluster["reviewer"]
    services.review_pair_decide(actor=reviewer, pair=cluster["a_e1"], decision="match")
    services.review_pair_decide(actor=reviewer, pair=cluster["a_b"], decision="match")
    # b = a = entity 1 were decided; "b is not entity 1" contradicts them
    with pytest.raises(services.DecisionConflict) as info:
        services.review_pair_decide(actor=reviewer, pair=cluster["b_e1"], decision="non_match")
    assert {p.pk for p in info.value.conflicts} == {cluster["a_e1"].pk, cluster["a_b"].pk}
    assert _status(cluster["a_e1"], cluster["b_e1"], cluster["a_b"]) == ["match", "pending", "match"]
    assert SourceRecord.objects.get(pk=cluster["b"].pk).entity_id == cluster["e1"].pk
    # the reviewer chooses: reopen a=b, and apply the new decision
    services.review_pair_decide(
        actor=reviewer, pair=cluster["b_e1"], decision="non_match", reopen=[cluster["a_b"].pk]
    )
    assert _status(cluster["a_e1"], cluster["b_e1"], cluster["a_b"], cluster["c_e1"]) == [
        "match",
        "non_match",
        "pending",
        "pending",
    ]
    assert SourceRecord.objects.get(pk=cluster["b"].pk).entity_id != cluster["e1"].pk
    assert SourceRecord.objects.get(pk=cluster["a"].pk).entity_id == cluster["e1"].pk


def test_same_against_an_earlier_not_the_same_is_a_conflict(cluster: dict[str, Any]) -> None:
    reviewer = cluster["reviewer"]
    services.review_pair_decide(actor=reviewer, pair=cluster["a_e1"], decision="match")
    services.review_pair_decide(actor=reviewer, pair=cluster["b_e1"], decision="non_match")
    with pytest.raises(services.DecisionConflict) as info:
        services.review_pair_decide(actor=reviewer, pair=cluster["a_b"], decision="match")
    assert [p.pk for p in info.value.conflicts] == [cluster["b_e1"].pk]
    # changing a pair's own decision is no conflict
    services.review_pair_decide(actor=reviewer, pair=cluster["b_e1"], decision="match")
    assert _status(cluster["b_e1"]) == ["match"]


def test_the_queue_shows_the_conflict_and_lets_the_reviewer_choose(cluster: dict[str, Any]) -> None:
    reviewer = cluster["reviewer"]
    services.review_pair_decide(actor=reviewer, pair=cluster["a_e1"], decision="match")
    services.review_pair_decide(actor=reviewer, pair=cluster["a_b"], decision="match")
    c = Client()
    c.force_login(reviewer)
    url = f"/base/review/{cluster['b_e1'].pk}/"
    shown = c.post(url, {"decision": "non_match"})
    assert shown.status_code == 409
    page = shown.content.decode()
    assert 'data-testid="review-conflict"' in page
    assert page.count('data-testid="conflict-pair"') == 2
    assert _status(cluster["b_e1"]) == ["pending"]
    # keep the earlier decisions: nothing changes
    assert c.post(url, {"decision": "non_match", "keep": "1"}).status_code == 302
    assert _status(cluster["b_e1"], cluster["a_b"]) == ["pending", "match"]
    # or reopen one of them and apply
    done = c.post(url, {"decision": "non_match", "reopen": [str(cluster["a_b"].pk)]})
    assert done.status_code == 302
    assert _status(cluster["a_e1"], cluster["b_e1"], cluster["a_b"]) == ["match", "non_match", "pending"]


def test_a_split_does_not_reverse_a_same_decision(cluster: dict[str, Any]) -> None:
    reviewer = cluster["reviewer"]
    services.review_pair_decide(actor=reviewer, pair=cluster["a_b"], decision="match")
    with pytest.raises(services.DecisionConflict):
        services.entity_split(actor=reviewer, entity=cluster["e1"], record_ids=[cluster["b"].pk])
    assert _status(cluster["a_b"]) == ["match"]
    assert SourceRecord.objects.get(pk=cluster["b"].pk).entity_id == cluster["e1"].pk
