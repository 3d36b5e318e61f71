"""The cases API as each role's screen uses it: queues, detail, actions, evidence, KPIs."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.cases.stats import COUNTS, LABELS, RATES, STEPS
from cityops.core.clock import FakeClock
from cityops.runtime import Runtime
from tests.cases.conftest import MONDAY_10AM

PEOPLE = {
    "intake": (Role.INTAKE_OPERATOR, None),
    "dispatcher": (Role.DISPATCHER, None),
    "chief": (Role.DUTY_CHIEF, None),
    "inspector": (Role.INSPECTOR, None),
    "supervisor": (Role.SUPERVISOR, None),
    "drainage": (Role.UNIT_HANDLER, "dept-drainage"),
    "municipal": (Role.UNIT_HANDLER, "dept-municipal"),
    "viewer": (Role.VIEWER, None),
    "gateway": (Role.INGEST, None),
}
FLOOD = {"class_code": "E1001", "severity": "orange", "title": "望湖路下穿通道积水 42 cm"}
As = Callable[..., httpx2.Response]


def png() -> bytes:
    """A valid 1×1 grey PNG: signature, IHDR, one IDAT row, IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def as_(client: TestClient, runtime: Runtime, clock: FakeClock) -> As:
    """`as_("drainage", "post", url, json=...)`: a request with that person's key."""
    clock.set(MONDAY_10AM)
    keys = {
        name: runtime.api_keys.create(name, role, unit)[1] for name, (role, unit) in PEOPLE.items()
    }

    def call(who: str, method: str, url: str, **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {keys[who]}", **kw.pop("headers", {})}
        return client.request(method, url, headers=headers, **kw)

    return call


def act(as_: As, who: str, case_id: str, action: str, **body: Any) -> httpx2.Response:
    return as_(who, "post", f"/api/v1/cases/{case_id}/actions", json={"action": action, **body})


def queue(as_: As, who: str, **params: Any) -> list[str]:
    response = as_(who, "get", "/api/v1/cases", params={"mine": "true", **params})
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


def report(as_: As, who: str = "intake", **body: Any) -> dict[str, Any]:
    response = as_(who, "post", "/api/v1/cases", json={**FLOOD, **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_report_lands_in_the_intake_queue_with_its_suggestion(as_: As) -> None:
    case = report(as_, lon=120.30, lat=30.30)
    assert (case["state"], case["state_name_zh"]) == ("reported", "信息收集")
    assert (case["grid_code"], case["suggested_unit"]) == ("330199002003003", "dept-drainage")
    assert case["class_name_zh"] == "下穿通道积水"
    assert case["number"] == "33019920260105" + "00001"
    assert {"file", "reject", "merge"} <= set(case["actions"])
    assert queue(as_, "intake") == [case["id"]]
    assert queue(as_, "dispatcher") == []
    assert queue(as_, "chief") == [case["id"]]
    detail = as_("dispatcher", "get", f"/api/v1/cases/{case['id']}").json()
    assert detail["actions"] == []  # nothing a dispatcher can do before 立案
    assert detail["suggestion"] == {
        "unit": "dept-drainage",
        "channel": "professional",
        "matched": "E1001",
        "territorial": False,
    }
    assert [t["action"] for t in detail["timeline"]] == ["create"]


def test_a_case_walks_from_report_to_evaluation_through_the_queues(
    as_: As, clock: FakeClock
) -> None:
    case_id = report(as_, file_now=True)["id"]
    assert queue(as_, "dispatcher") == [case_id]
    assert act(as_, "dispatcher", case_id, "dispatch").json()["unit"] == "dept-drainage"
    assert queue(as_, "drainage") == [case_id]
    assert queue(as_, "municipal") == []
    assert act(as_, "municipal", case_id, "accept").status_code == 403  # not its case
    accepted = act(as_, "drainage", case_id, "accept").json()
    assert (accepted["state"], accepted["light"]) == ("handling", "green")
    assert "report_handled" in accepted["actions"]

    clock.advance(30 * 60)
    upload = as_(
        "drainage",
        "post",
        f"/api/v1/cases/{case_id}/evidence",
        files={"file": ("after.png", png(), "image/png")},
    )
    assert upload.status_code == 201, upload.text
    photo = upload.json()["id"]
    assert as_("viewer", "get", upload.json()["url"]).content == png()
    handled = act(as_, "drainage", case_id, "report_handled", note="已抽排", evidence=[photo])
    assert handled.json()["evidence"] == [photo]
    assert queue(as_, "inspector") == [case_id]

    closed = act(as_, "inspector", case_id, "verify_pass").json()
    assert (closed["state"], closed["closed_on_time"]) == ("closed", True)
    assert queue(as_, "supervisor") == [case_id]
    evaluated = act(as_, "supervisor", case_id, "evaluate", score=5).json()
    assert (evaluated["state"], evaluated["score"]) == ("evaluated", 5)

    detail = as_("chief", "get", f"/api/v1/cases/{case_id}").json()
    assert [t["action"] for t in detail["timeline"]] == [
        "create",
        "dispatch",
        "accept",
        "report_handled",
        "verify_pass",
        "evaluate",
    ]
    assert detail["timeline"][3]["note"] == "已抽排"
    assert detail["timeline"][2]["actor"]["unit"] == "dept-drainage"
    assert detail["actions"] == ["reopen"]


def test_refusals_say_why_with_their_status(as_: As) -> None:
    case_id = report(as_)["id"]
    wrong_role = act(as_, "dispatcher", case_id, "file")
    assert wrong_role.status_code == 403
    assert "may not file" in wrong_role.json()["detail"]
    wrong_state = act(as_, "dispatcher", case_id, "dispatch")
    assert wrong_state.status_code == 409
    assert "reported" in wrong_state.json()["detail"]
    no_note = act(as_, "intake", case_id, "reject")
    assert (no_note.status_code, no_note.json()["detail"]) == (409, "reject needs note")
    assert act(as_, "intake", case_id, "reject", note=" ").status_code == 409
    assert act(as_, "intake", case_id, "fly").status_code == 409
    assert act(as_, "intake", "no-such-case", "file").status_code == 404
    assert as_("intake", "get", "/api/v1/cases/no-such-case").status_code == 404
    upload = as_(
        "drainage",
        "post",
        "/api/v1/cases/no-such-case/evidence",
        files={"file": ("a.png", png(), "image/png")},
    )
    assert upload.status_code == 404
    stale = act(as_, "intake", case_id, "file", expected_version=0)
    assert stale.status_code == 409
    assert act(as_, "intake", case_id, "file", expected_version=1).status_code == 200
    assert as_("gateway", "get", "/api/v1/cases").status_code == 403


def test_a_photo_that_is_not_an_image_is_refused(as_: As) -> None:
    case_id = report(as_)["id"]
    upload = as_(
        "drainage",
        "post",
        f"/api/v1/cases/{case_id}/evidence",
        files={"file": ("a.png", b"not a picture", "image/png")},
    )
    assert 400 <= upload.status_code < 500


def test_overdue_lists_cases_past_their_time_limit(as_: As, clock: FakeClock) -> None:
    late = report(as_, file_now=True)["id"]  # orange flooding: 2 calendar hours
    act(as_, "dispatcher", late, "dispatch")
    waiting = report(as_, file_now=True)["id"]
    assert as_("chief", "get", "/api/v1/cases", params={"overdue": "true"}).json()["items"] == []
    clock.advance(2 * 3600 + 1)
    items = as_("chief", "get", "/api/v1/cases", params={"overdue": "true"}).json()["items"]
    assert [(c["id"], c["light"]) for c in items] == [(late, "red")]
    assert waiting not in queue(as_, "chief", overdue="true")


def test_reference_tables_for_the_screens(as_: As) -> None:
    units = {u["code"]: u for u in as_("viewer", "get", "/api/v1/units").json()}
    assert units["dept-drainage"]["name_zh"] == "区城管局排水管理处"
    assert units["330199002003"]["kind"] == "community"  # from the imported district
    routes = as_("viewer", "get", "/api/v1/routing").json()
    assert {"class_code": "E1001", "area": "", "unit": "dept-drainage"}.items() <= routes[
        [r["class_code"] for r in routes].index("E1001")
    ].items()
    workflow = as_("viewer", "get", "/api/v1/workflow").json()
    assert workflow["actions"]["verify_pass"]["from"] == ["handled"]
    assert workflow["roles"]["unit_handler"]["unit_role"] is True


def test_kpis_of_the_current_month_with_labels(as_: As, clock: FakeClock) -> None:
    done = report(as_, file_now=True, lon=120.30, lat=30.30)["id"]
    act(as_, "dispatcher", done, "dispatch")
    act(as_, "drainage", done, "accept")
    act(as_, "drainage", done, "report_handled", note="已处理")
    act(as_, "inspector", done, "verify_pass")
    report(as_)  # awaiting review

    response = as_("viewer", "get", "/api/v1/stats/cases", params={"group_by": "unit"})
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["period"] == {
        "from": 1_767_196_800_000,
        "to": 1_769_875_200_000,
        "now": MONDAY_10AM,
    }
    assert stats["group_by"] == "unit"
    assert set(stats["totals"]) == {*COUNTS, *RATES, *(k for k, _ in STEPS.values()), "score"}
    assert set(stats["labels"]) == set(LABELS)
    assert stats["labels"]["on_time_rate"] == "按期结案率"
    totals = stats["totals"]
    assert (totals["reported"], totals["filed"], totals["closed"], totals["on_time"]) == (
        2,
        1,
        1,
        1,
    )
    assert (totals["filing_rate"], totals["on_time_rate"], totals["rework_rate"]) == (0.5, 1, 0)
    first, unassigned = stats["groups"]
    assert (first["key"], first["name"], first["rank"]) == (
        "dept-drainage",
        "区城管局排水管理处",
        1,
    )
    assert first["score"] == 100
    assert (unassigned["key"], unassigned["name"], unassigned["rank"]) == (None, "未派遣", None)

    by_grid = as_("viewer", "get", "/api/v1/stats/cases", params={"group_by": "grid"}).json()
    assert [(g["key"], g["name"]) for g in by_grid["groups"]] == [
        ("330199002003003", "荷花社区第三网格"),
        (None, "未定位"),
    ]
    by_class = as_("viewer", "get", "/api/v1/stats/cases", params={"group_by": "class"}).json()
    assert [(g["key"], g["name"]) for g in by_class["groups"]] == [("E1001", "下穿通道积水")]


def test_kpis_of_a_chosen_period_and_bad_parameters(as_: As) -> None:
    report(as_)
    december = as_(
        "viewer",
        "get",
        "/api/v1/stats/cases",
        params={"from": "2025-12-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"},
    ).json()
    assert december["totals"]["reported"] == 0
    assert "groups" not in december
    january = as_("viewer", "get", "/api/v1/stats/cases", params={"from": "1767196800000"})
    assert january.json()["totals"]["reported"] == 1
    assert (
        as_("viewer", "get", "/api/v1/stats/cases", params={"group_by": "street"}).status_code
        == 422
    )
    backwards = {"from": "2026-02-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"}
    assert as_("viewer", "get", "/api/v1/stats/cases", params=backwards).status_code == 400
    assert (
        as_("viewer", "get", "/api/v1/stats/cases", params={"from": "yesterday"}).status_code == 400
    )
    assert as_("gateway", "get", "/api/v1/stats/cases").status_code == 403


def test_a_patrol_report_carries_the_photo_taken_before_it(as_: As) -> None:
    photo = as_("intake", "post", "/api/v1/evidence", files={"file": ("p.png", png(), "image/png")})
    assert photo.status_code == 201, photo.text
    evidence_id = photo.json()["id"]
    case = report(as_, evidence=[evidence_id])
    assert case["evidence"] == [evidence_id]
    assert as_("intake", "get", f"/api/v1/evidence/{evidence_id}").content == png()


def test_a_report_naming_unknown_evidence_is_refused(as_: As) -> None:
    response = as_("intake", "post", "/api/v1/cases", json={**FLOOD, "evidence": ["0" * 32]})
    assert response.status_code == 422
    assert "upload it first" in response.json()["detail"]


def test_an_upload_that_is_not_an_image_is_refused_as_unsupported(as_: As) -> None:
    files = {"file": ("a.png", b"<script>", "image/png")}
    assert as_("intake", "post", "/api/v1/evidence", files=files).status_code == 415


def test_a_report_sent_twice_with_its_key_makes_one_case(as_: As) -> None:
    headers = {"Idempotency-Key": "patrol-3f1c9a7e"}
    first = as_("intake", "post", "/api/v1/cases", json=FLOOD, headers=headers)
    again = as_("intake", "post", "/api/v1/cases", json=FLOOD, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert queue(as_, "intake") == [first.json()["id"]]


def test_keys_are_per_reporter_and_a_new_key_is_a_new_case(as_: As) -> None:
    key = {"Idempotency-Key": "same-key-0001"}
    mine = as_("intake", "post", "/api/v1/cases", json=FLOOD, headers=key).json()["id"]
    theirs = as_("chief", "post", "/api/v1/cases", json=FLOOD, headers=key).json()["id"]
    other = as_(
        "intake", "post", "/api/v1/cases", json=FLOOD, headers={"Idempotency-Key": "k-0002-x"}
    )
    assert len({mine, theirs, other.json()["id"]}) == 3


def test_an_unusable_key_is_refused(as_: As) -> None:
    for key in ("short", "x" * 101):
        answer = as_(
            "intake", "post", "/api/v1/cases", json=FLOOD, headers={"Idempotency-Key": key}
        )
        assert answer.status_code == 422


def test_the_case_says_which_evidence_is_an_image_we_keep_and_which_a_vendor_link(
    as_: As, runtime: Runtime
) -> None:
    kept = runtime.evidence.save(png(), "image/png", "detection")
    vendor = runtime.evidence.reference("https://video.city.example/snap/1.jpg", "detection")
    case = report(as_, evidence=[kept.id, vendor.id])
    detail = as_("intake", "get", f"/api/v1/cases/{case['id']}").json()
    assert detail["evidence_items"] == [
        {"id": kept.id, "url": f"/api/v1/evidence/{kept.id}", "image": True},
        {"id": vendor.id, "url": "https://video.city.example/snap/1.jpg", "image": False},
    ]
