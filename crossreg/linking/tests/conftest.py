"""Fixtures: a small Yancheng (divisions, departments, a registry) and helpers to write lists."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from crossreg.entities.models import Entity
from crossreg.entities.names import normalize_name, parse_name
from crossreg.entities.uscc import registration_no_make, uscc_make
from crossreg.orgs.models import Department, Division, Domain, User

TEST_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"


@pytest.fixture(autouse=True)
def ledger_settings(settings: Any) -> Any:
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": TEST_KEY_HEX, "LEDGER_TSA_URL": ""}
    return settings


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Any) -> Any:
    """Files the linking services keep (models, uploads waiting for their import) go to a scratch
    directory, not the checkout's var/."""
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    yc = Division.objects.create(code="320900", name="盐城市", level=Division.Level.CITY)
    th = Division.objects.create(code="320902", name="亭湖区", level=Division.Level.COUNTY, parent=yc)
    Division.objects.create(code="320903", name="盐都区", level=Division.Level.COUNTY, parent=yc)
    Division.objects.create(code="320902001", name="南洋镇", level=Division.Level.TOWNSHIP, parent=th)
    food = Domain.objects.create(code="food", name="食品", key=True)
    hazchem = Domain.objects.create(code="hazchem", name="危险化学品", key=True)
    depts = {
        code: Department.objects.create(code=code, name=name, short_name=short, division=yc)
        for code, name, short in (
            ("scjg", "盐城市市场监督管理局", "市场监管局"),
            ("sthj", "盐城市生态环境局", "生态环境局"),
            ("yjgl", "盐城市应急管理局", "应急管理局"),
            ("gaj", "盐城市公安局", "公安局"),
        )
    }
    entities = {}
    for i, (name, county, rep, phone, addr) in enumerate(
        (
            ("盐城市鹤鸣餐饮管理有限公司", "320902", "张伟", "13800000001", "盐城市亭湖区南洋镇人民路1号"),
            ("盐城市恒达化工有限公司", "320903", "李强", "13800000002", "盐城市盐都区开放大道88号"),
            ("亭湖区王记小吃店", "320902", "王芳", "13800000003", "盐城市亭湖区南洋镇解放路5号"),
            ("盐城市华信科技有限公司", "320902", "赵敏", "13800000004", "盐城市亭湖区希望大道2号"),
            ("盐城市华信商贸有限公司", "320902", "钱进", "13800000005", "盐城市亭湖区青年路9号"),
        ),
        start=1,
    ):
        p = parse_name(name)
        e = Entity.objects.create(
            uscc=uscc_make("9", "2" if "店" in name else "1", county, f"MA{i:06d}"),
            registration_no=registration_no_make(county, f"{i:08d}") if i == 2 else "",
            name=name,
            name_norm=normalize_name(name),
            name_region=p.region,
            trade_name=p.trade_name,
            industry_words=p.industry_words,
            org_form=p.org_form,
            branch=p.branch,
            entity_type=Entity.Type.INDIVIDUAL if "店" in name else Entity.Type.ENTERPRISE,
            division_id=county,
            address=addr,
            legal_rep=rep,
        )
        e._phone = phone  # type: ignore[attr-defined]  # the registry keeps no phone; lists do
        entities[i] = e
    entities[1].key_domains.add(food)
    entities[2].key_domains.add(hazchem)
    bigdata = Department.objects.create(
        code="dsj",
        name="盐城市大数据管理局",
        short_name="大数据局",
        division=yc,
        role=Department.Role.BIGDATA,
    )
    reviewer = User.objects.create_user(
        username="reviewer", password="x", role=User.Role.BIGDATA, department=bigdata
    )
    staff = User.objects.create_user(
        username="staff", password="x", role=User.Role.STAFF, department=depts["scjg"]
    )
    other_staff = User.objects.create_user(
        username="staff2", password="x", role=User.Role.STAFF, department=depts["sthj"]
    )
    return {
        "depts": depts,
        "entities": entities,
        "reviewer": reviewer,
        "staff": staff,
        "other_staff": other_staff,
        "domains": {"food": food, "hazchem": hazchem},
    }


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


SCJG_HEADER = [
    "监管对象编号",
    "统一社会信用代码(注册号)",
    "主体名称",
    "住所(经营场所)",
    "法定代表人(负责人)",
    "联系电话",
]
STHJ_HEADER = ["污染源编码", "单位名称", "统一社会信用代码", "单位地址", "法定代表人", "联系电话"]


def scjg_row(e: Entity, rid: str, **over: str) -> list[str]:
    v = {
        "id": rid,
        "code": e.uscc or "",
        "name": e.name,
        "addr": e.address,
        "rep": e.legal_rep,
        "phone": getattr(e, "_phone", ""),
    }
    v.update(over)
    return [v["id"], v["code"], v["name"], v["addr"], v["rep"], v["phone"]]


def sthj_row(e: Entity, rid: str, **over: str) -> list[str]:
    v = {
        "id": rid,
        "code": e.uscc or "",
        "name": e.name,
        "addr": e.address,
        "rep": e.legal_rep,
        "phone": getattr(e, "_phone", ""),
    }
    v.update(over)
    return [v["id"], v["name"], v["code"], v["addr"], v["rep"], v["phone"]]
