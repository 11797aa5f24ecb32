"""The complaints step of ``crossreg demo_setup`` (order 700): routing rules from the catalog,
then a few hundred submissions drawn from the hidden propensity (so that complaints fall where
violations are), some of them hotline work orders and duplicates. Idempotent."""

from __future__ import annotations

import datetime as dt
import random

from crossreg.core.demo import DemoContext

_TEXTS = (
    ("report", "food", "后厨卫生很差，有老鼠，餐具不消毒"),
    ("report", "food", "销售过期食品，货架上的牛奶已经过期"),
    ("complaint", "food", "在店里吃饭后腹泻，要求退款被拒绝"),
    ("report", "hazchem", "厂区夜间偷偷排放刺鼻气体"),
    ("complaint", "", "预付卡消费后商家关门不退款"),
    ("enquiry", "", "想咨询个体户营业执照怎么办理"),
)


def demo_step(ctx: DemoContext) -> str:
    from django.utils import timezone

    from crossreg.complaints.models import Submission
    from crossreg.complaints.services import routing_rules_derive, submission_intake
    from crossreg.entities.models import Entity

    rs = routing_rules_derive(actor=ctx.actor, note="demo")
    if (
        Submission.objects.filter(work_order_no__startswith="12345-").exists()
        or Submission.objects.count() >= 200
    ):
        return f"routing v{rs.version}; submissions already there ({Submission.objects.count()})"
    rng = random.Random(ctx.seed + 700)
    from crossreg.synth.propensity import violation_propensity

    rows = list(Entity.objects.order_by("id").values_list("id", "industry_id")[:20000])
    if not rows:
        return f"routing v{rs.version}; no entities"
    ids = [r[0] for r in rows]
    weights = [float(w) for w in violation_propensity(ctx.seed, ids, [r[1] for r in rows])]
    chosen = rng.choices(ids, weights=weights, k=200)
    now = timezone.now()
    n = 0
    for i, eid in enumerate(chosen):
        entity = Entity.objects.get(pk=eid)
        kind, matter, text = _TEXTS[i % len(_TEXTS)]
        hotline = i % 3 == 0
        submission_intake(
            actor=ctx.actor,
            kind=kind,
            channel="hotline" if hotline else ("web" if i % 3 == 1 else "desk"),
            text=text,
            entity=entity,
            matter_code=matter,
            contact_name="市民" + "甲乙丙丁"[i % 4],
            contact_phone=f"139{rng.randrange(10**8):08d}",
            work_order_no=f"12345-{(now - dt.timedelta(days=i % 60)):%Y%m%d}-{i:06d}" if hotline else None,
            received_at=now - dt.timedelta(days=i % 60, hours=i % 7),
        )
        n += 1
    return f"routing v{rs.version}; {n} submissions"
