"""The admin's 会場の取り込み page (classes.admin_venue_import): preview, confirm, refusals."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from base.models import AuditEntry
from classes.models import Venue

pytestmark = pytest.mark.django_db

PAGE = "/admin/classes/venues/import/"
FULL = Path(__file__).resolve().parents[2] / "classes" / "data" / "toshima_kumin_hiroba_full.csv"


def upload(data: bytes, name: str = "venues.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(Role.ADMIN, mfa=True)
    client.force_login(admin)
    client.user = admin
    return client


def test_preview_lists_what_will_change_and_writes_nothing(admin_client):
    Venue.objects.create(name="区民ひろば駒込", address="", area="")
    response = admin_client.post(PAGE, {"file": upload(FULL.read_bytes()), "action": "preview"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "確認結果（まだ取り込んでいません）" in html
    assert "区民ひろば池袋本町" in html  # to be created
    assert "住所" in html and "地域（町名）" in html  # the fields that change on 区民ひろば駒込
    assert 'value="import"' in html  # the confirm step is offered
    assert Venue.objects.count() == 1
    assert Venue.objects.get().address == ""
    assert not AuditEntry.objects.filter(action="classes.venues.imported").exists()


def test_confirm_with_the_same_file_imports_and_is_audited(admin_client):
    data = FULL.read_bytes()
    checksum = hashlib.sha256(data).hexdigest()
    response = admin_client.post(
        PAGE, {"file": upload(data), "checksum": checksum, "action": "import"}
    )
    assert response.status_code == 302
    assert Venue.objects.count() == 26
    assert Venue.objects.get(name="区民ひろば要").area == "要町"
    entry = AuditEntry.objects.get(action="classes.venues.imported")
    assert entry.user == admin_client.user and entry.data["created"] == 26
    assert entry.data["source"] == "admin"
    page = admin_client.get(PAGE).content.decode()
    assert "会場を取り込みました（新規 26、更新 0、変更なし 0）。" in page


def test_confirm_with_another_file_only_previews_again(admin_client):
    response = admin_client.post(
        PAGE, {"file": upload(FULL.read_bytes()), "checksum": "0" * 64, "action": "import"}
    )
    assert response.status_code == 200
    assert "確認したファイルと違うファイル" in response.content.decode()
    assert not Venue.objects.exists()


def test_a_bad_file_gives_a_clear_message_and_changes_nothing(admin_client):
    Venue.objects.create(name="区民ひろば駒込", address="豊島区駒込2-2-4", area="駒込")
    bad = (
        "name,facility_type,address,town_from_address,chome_from_address,lat,lon\n"
        "区民ひろば駒込,kumin_hiroba,豊島区駒込2-2-4,駒込,2,北緯35度,139.7\n"
        "区民ひろば要,kumin_hiroba,豊島区要町1-5-1,本駒込,1,35.7,139.7\n"
    ).encode()
    checksum = hashlib.sha256(bad).hexdigest()
    for action in ("preview", "import"):
        response = admin_client.post(
            PAGE, {"file": upload(bad), "checksum": checksum, "action": action}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "誤りのある行（2 行）" in html
        assert "「北緯35度」を数値として読めません" in html
        assert "町名「本駒込」は豊島区の町名ではありません" in html
    assert "Traceback" not in html
    assert Venue.objects.count() == 1
    assert Venue.objects.get().latitude is None
    # Not a CSV at all, and a CSV of something else.
    for data, message in (
        (b"\x80\xff\xfe\x00\x81\x00", "ファイルを読み取れません"),
        ("ID,住所\n1,豊島区駒込1-1-1\n".encode(), "「名称」の列がありません"),
    ):
        html = admin_client.post(PAGE, {"file": upload(data), "action": "preview"}).content
        assert message in html.decode()
        assert "会場は何も変わっていません。" in html.decode()
    assert not AuditEntry.objects.filter(action="classes.venues.imported").exists()


@pytest.mark.parametrize("role", [Role.STAFF, Role.TRAINER, Role.COUNTER])
def test_only_admins_may_import(client, make_user, role):
    client.force_login(make_user(role, mfa=True))
    assert client.get(PAGE).status_code == 403
    response = client.post(PAGE, {"file": upload(FULL.read_bytes()), "action": "import"})
    assert response.status_code == 403
    assert not Venue.objects.exists()


def test_the_route_is_in_the_access_matrix():
    from tests.gates.matrix import load_rows

    rows = {row.route: row for row in load_rows()}
    row = rows["admin/classes/venues/import/"]
    assert str(row.expected["admin"]) == "200" and str(row.expected["anonymous"]) == "302"
    assert all(str(row.expected[v]) == "403" for v in ("resident", "staff", "trainer", "counter"))
    assert row.axe == "admin"
