"""The upload module and its first user, action point documents: pages, API and hostile files."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from tests import factories
from tests.api.test_basics import count_queries
from tests.conftest import TEST_UPLOAD_FOLDER
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.plan.documents import attach_document, retire_document
from tracker.plan.models import ActionPointDocument
from tracker.uploads.files import clean_filename
from tracker.uploads.models import StoredFile
from tracker.uploads.services import UploadError, store_upload, stored_path, upload_folder

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def zipped(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
PPTX = zipped({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"})
ODT = zipped({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODS = zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def files_on_disk() -> set[Path]:
    return {p for p in TEST_UPLOAD_FOLDER.rglob("*") if p.is_file()}


def make_document(ap=None, data: bytes = PDF, name: str = "report.pdf", **kwargs):
    ap = ap or factories.make_action_point()
    return attach_document(ap, store_upload(data, name, by="tests"), by="tests", **kwargs)


def file_part(data: bytes, name: str) -> tuple:
    return (io.BytesIO(data), name)


def big_multipart(fields: dict) -> dict:
    """Client arguments for a multipart body built in memory: for a big one, werkzeug's test
    client would spool it to a temporary file that it never closes (a ResourceWarning)."""
    files = {name: FileStorage(stream, filename) for name, (stream, filename) in fields.items()}
    stream, _, boundary = stream_encode_multipart(files, use_tempfile=False)
    return {"data": stream.getvalue(), "content_type": f"multipart/form-data; boundary={boundary}"}


# The upload module


@pytest.mark.parametrize(
    ("data", "name", "media_type"),
    [
        (PDF, "report.pdf", "application/pdf"),
        (PNG, "chart.png", "image/png"),
        (JPEG, "photo.jpg", "image/jpeg"),
        (JPEG, "photo.JPEG", "image/jpeg"),
        (DOCX, "note.docx", DOCX_TYPE),
        (XLSX, "table.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            PPTX,
            "slides.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (ODT, "note.odt", "application/vnd.oasis.opendocument.text"),
        (ODS, "table.ods", "application/vnd.oasis.opendocument.spreadsheet"),
        (b"state,pledge\nHU,100\n", "pledges.csv", "text/csv"),
        ("\ufeffČeský text — Türkçe\n".encode(), "notes.txt", "text/plain"),
    ],
)
def test_allowed_kinds_are_detected_from_their_content(data, name, media_type):
    stored = store_upload(data, name, by="tests")
    assert (stored.media_type, stored.filename, stored.size) == (media_type, name, len(data))
    assert stored_path(stored.sha256).read_bytes() == data


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (HTML, "minutes.pdf", "named .pdf, but its content is HTML, SVG or XML markup"),
        (SVG, "logo.svg", "“.svg” files are not accepted"),
        (SVG, "logo.png", "named .png, but its content is HTML, SVG or XML markup"),
        (b"  <svg onload=alert(1)>", "notes.txt", "HTML, SVG or XML markup"),
        (b"a,b\n<script>alert(1)</script>\n", "data.csv", "HTML, SVG or XML markup"),
        (HTML, "page.html", "“.html” files are not accepted"),
        (b"alert(document.cookie)", "script.js", "“.js” files are not accepted"),
        (b"#!/bin/sh\nrm -rf /\n", "run.txt", "a script"),
        (b"MZ\x90\x00\x03" + bytes(60), "invoice.pdf", "a Windows program"),
        (b"\x7fELF\x02\x01", "tool.pdf", "a Linux program"),
        (b"", "empty.pdf", "The file is empty."),
        (PDF, "report.png", "named .png, but its content is a PDF"),
        (DOCX, "table.xlsx", "named .xlsx, but its content is a Word document"),
        (zipped({"evil.exe": b"MZ"}), "note.docx", "a ZIP archive but no Office document"),
        (b"PK\x03\x04 not really a zip", "note.docx", "a damaged or unreadable ZIP archive"),
        (
            zipped({"[Content_Types].xml": "", "word/document.xml": "", "word/vbaProject.bin": ""}),
            "macro.docx",
            "with macros are not accepted",
        ),
        ("Zürich;Genève\n".encode("latin-1"), "places.csv", "must be in UTF-8"),
        (b"GIF89a\x01\x00", "anim.png", "a GIF image"),
        (b"text\x00with\x01binary", "notes.txt", "not of an accepted type"),
        (PDF, "../../etc/passwd", "A file without an extension is not accepted"),
        (PDF, "....", "no usable name"),
    ],
)
def test_refused_files_get_a_clear_message_and_nothing_is_kept(data, name, message):
    before = count(StoredFile), files_on_disk()
    with pytest.raises(UploadError, match=re.escape(message)) as refused:
        store_upload(data, name, by="tests")
    assert refused.value.field == "file"
    assert (count(StoredFile), files_on_disk()) == before


def test_same_content_is_kept_once_on_disk_under_its_hash():
    first = store_upload(PDF, "first.pdf", by="tests")
    second = store_upload(PDF, "second.pdf", by="tests")
    assert first.sha256 == second.sha256 and first.id != second.id
    path = stored_path(first.sha256)
    assert path == upload_folder() / first.sha256[:2] / first.sha256[2:4] / first.sha256
    assert path.read_bytes() == PDF
    assert not list(path.parent.glob(".upload-*")), "no temporary file is left behind"


def test_files_are_stored_outside_static():
    stored = store_upload(PDF, "report.pdf", by="tests")
    static = Path(current_app.static_folder).resolve()
    assert not stored_path(stored.sha256).resolve().is_relative_to(static)


def test_an_upload_folder_under_static_is_refused(monkeypatch):
    monkeypatch.setitem(current_app.config, "UPLOAD_FOLDER", f"{current_app.static_folder}/up")
    with pytest.raises(RuntimeError, match="static"):
        store_upload(PDF, "report.pdf", by="tests")


def test_size_limit_lets_the_limit_through_and_refuses_one_byte_more(monkeypatch):
    monkeypatch.setitem(current_app.config, "MAX_UPLOAD_BYTES", 1000)
    assert store_upload(b"x" * 1000, "full.txt", by="tests").size == 1000
    with pytest.raises(UploadError, match="larger than the limit of 1000 bytes"):
        store_upload(b"x" * 1001, "over.txt", by="tests")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\Desktop\\report.pdf", "report.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # the right-to-left override is removed
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("line\nbreak\t.pdf", "line break .pdf"),
        ('<img src=x onerror="alert(1)">.pdf', "_img src=x onerror=_alert(1)__.pdf"),
        ("  .hidden.pdf  ", "hidden.pdf"),
        ("Отчёт 2024.pdf", "Отчёт 2024.pdf"),
    ],
)
def test_file_names_lose_folders_and_invisible_characters(raw, clean):
    assert clean_filename(raw) == clean


def test_long_file_names_are_capped_keeping_the_extension():
    name = clean_filename("a" * 500 + ".pdf")
    assert len(name) == 200 and name.endswith("a.pdf")


def test_stored_file_records_its_uploader():
    admin = factories.make_user(role="admin")
    assert store_upload(PDF, "report.pdf", by=admin).created_by_id == admin.id


# Documents on the action point page


def test_admin_uploads_a_document_and_a_viewer_downloads_it(client, login, storage):
    ap = factories.make_action_point()
    admin = login.as_role("admin")
    response = client.post(
        f"/plans/action-points/{ap.id}/documents",
        data={"file": file_part(PDF, "Concept note.pdf"), "title": "Concept note"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/action-points/{ap.id}#documents"
    document = db.session.scalar(select(ActionPointDocument))
    assert document.file.created_by_id == admin.id
    assert storage.read(document.file.sha256) == PDF
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "action_point_documents")
    )
    assert (event.action, event.entity_id, event.user_id) == ("create", document.id, admin.id)
    assert event.changes["title"] == [None, "Concept note"]

    client.post("/auth/sign-out")
    login.as_role("viewer")
    page = client.get(f"/plans/action-points/{ap.id}").get_data(as_text=True)
    link = f"/plans/documents/{document.id}/Concept%20note.pdf"
    assert f'href="{link}"' in page and "Concept note" in page
    assert "Retire</button>" not in page and "Attach a file" not in page
    download = client.get(link)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"Concept note.pdf\"; filename*=UTF-8''Concept%20note.pdf"
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.headers["Cache-Control"] == "private, no-store"


def test_a_non_ascii_name_is_sent_in_filename_star(client, login):
    document = make_document(data=b"a,b\n", name="Çalışma planı.csv")
    db.session.commit()
    login.as_role("viewer")
    download = client.get(f"/plans/documents/{document.id}/{document.file.filename}")
    assert download.data == b"a,b\n"
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = download.headers["Content-Disposition"]
    assert 'filename="Calsma plan.csv"' in disposition  # the dotless ı has no ASCII form
    assert "filename*=UTF-8''%C3%87al%C4%B1%C5%9Fma%20plan%C4%B1.csv" in disposition


def test_the_title_defaults_to_the_file_name(client, login):
    ap = factories.make_action_point()
    login.as_role("admin")
    client.post(
        f"/plans/action-points/{ap.id}/documents", data={"file": file_part(PNG, "Map 2024.png")}
    )
    assert db.session.scalar(select(ActionPointDocument.title)) == "Map 2024"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (HTML, "minutes.pdf", "but its content is HTML, SVG or XML markup"),
        (SVG, "logo.svg", "“.svg” files are not accepted"),
        (b"", "empty.pdf", "The file is empty."),
        (PDF, "../../etc/passwd", "A file without an extension is not accepted"),
    ],
)
def test_page_refuses_a_bad_file_at_the_field_and_keeps_nothing(
    client, login, storage, data, name, message
):
    ap = factories.make_action_point()
    login.as_role("admin")
    before = count(StoredFile), count(ActionPointDocument), count(AuditEvent), storage.everything()
    response = client.post(
        f"/plans/action-points/{ap.id}/documents", data={"file": file_part(data, name)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="invalid-feedback"' in page and message in page
    after = count(StoredFile), count(ActionPointDocument), count(AuditEvent), storage.everything()
    assert after == before


def test_page_asks_for_a_file_when_none_is_sent(client, login):
    ap = factories.make_action_point()
    login.as_role("admin")
    response = client.post(f"/plans/action-points/{ap.id}/documents", data={"title": "x"})
    assert "Choose a file to upload." in response.get_data(as_text=True)
    assert count(ActionPointDocument) == 0


def test_overlong_title_is_refused_at_its_field(client, login):
    ap = factories.make_action_point()
    login.as_role("admin")
    response = client.post(
        f"/plans/action-points/{ap.id}/documents",
        data={"file": file_part(PDF, "report.pdf"), "title": "t" * 201},
    )
    assert "Field cannot be longer than 200 characters." in response.get_data(as_text=True)
    assert count(ActionPointDocument) == 0


def test_a_file_just_over_the_limit_is_refused_at_the_field(client, login):
    ap = factories.make_action_point()
    login.as_role("admin")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    body = big_multipart({"file": file_part(b"x" * (limit + 1), "big.txt")})
    response = client.post(f"/plans/action-points/{ap.id}/documents", **body)
    assert response.status_code == 200
    assert "larger than the limit of 10 MB" in response.get_data(as_text=True)
    assert count(StoredFile) == 0


def test_a_50_mb_body_is_refused_with_a_clear_413_before_it_is_read(client, login):
    ap = factories.make_action_point()
    login.as_role("admin")
    body = big_multipart({"file": file_part(b"x" * (50 * 1024 * 1024), "huge.txt")})
    response = client.post(f"/plans/action-points/{ap.id}/documents", **body)
    assert response.status_code == 413
    assert "a file may have at most 10 MB" in response.get_data(as_text=True)
    assert count(StoredFile) == 0


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_only_admin_may_upload_a_document(client, login, role):
    ap = factories.make_action_point()
    login.as_role(role)
    before = files_on_disk()
    response = client.post(
        f"/plans/action-points/{ap.id}/documents", data={"file": file_part(PDF, "x.pdf")}
    )
    assert response.status_code == 403
    assert count(ActionPointDocument) == 0 and count(StoredFile) == 0
    assert files_on_disk() == before


def test_admin_retires_a_document_and_only_admins_see_it_then(client, login):
    document = make_document(title="Old concept note")
    db.session.commit()
    url = f"/plans/documents/{document.id}/report.pdf"
    login.as_role("admin")
    response = client.post(f"/plans/documents/{document.id}/retire")
    assert response.headers["Location"].endswith(f"/{document.action_point_id}#documents")
    assert db.session.get(ActionPointDocument, document.id).retired_at is not None
    page = client.get(f"/plans/action-points/{document.action_point_id}").get_data(as_text=True)
    assert 'id="retired-documents"' in page and "Old concept note" in page
    assert client.get(url).data == PDF

    client.post("/auth/sign-out")
    login.as_role("viewer")
    page = client.get(f"/plans/action-points/{document.action_point_id}").get_data(as_text=True)
    assert "Old concept note" not in page and "No documents attached." in page
    assert client.get(url).status_code == 404


def test_retiring_twice_says_so_and_records_one_event(client, login):
    document = make_document()
    db.session.commit()
    login.as_role("admin")
    client.post(f"/plans/documents/{document.id}/retire")
    response = client.post(f"/plans/documents/{document.id}/retire", follow_redirects=True)
    assert "This document is retired already." in response.get_data(as_text=True)
    assert count_events("retire") == 1


def count_events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_a_retired_document_is_a_404_to_a_viewer_trying_to_retire_it(client, login):
    document = make_document()
    retire_document(document, by="tests")
    db.session.commit()
    login.as_role("viewer")
    assert client.post(f"/plans/documents/{document.id}/retire").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_only_admin_may_retire_a_document(client, login, role):
    document = make_document()
    db.session.commit()
    login.as_role(role)
    assert client.post(f"/plans/documents/{document.id}/retire").status_code == 403
    db.session.expire_all()
    assert db.session.get(ActionPointDocument, document.id).retired_at is None


def test_download_needs_the_documents_own_file_name(client, login):
    mine = make_document(name="mine.pdf")
    other = make_document(name="other.pdf")
    db.session.commit()
    login.as_role("viewer")
    assert client.get(f"/plans/documents/{mine.id}/other.pdf").status_code == 404
    assert client.get(f"/plans/documents/{other.id}/other.pdf").status_code == 200
    assert client.get(f"/plans/documents/{mine.id}/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/plans/documents/999999/mine.pdf").status_code == 404


def test_anonymous_download_is_sent_to_sign_in(client):
    document = make_document()
    db.session.commit()
    response = client.get(f"/plans/documents/{document.id}/report.pdf")
    assert response.headers["Location"].startswith("/auth/sign-in")


def test_missing_bytes_on_disk_are_a_clear_410_not_a_500(client, login, storage):
    document = make_document(data=b"gone soon\n", name="gone.txt")
    db.session.commit()
    storage.remove(document.file.sha256)
    login.as_role("viewer")
    response = client.get(f"/plans/documents/{document.id}/gone.txt")
    assert response.status_code == 410
    assert "no longer in storage" in response.get_data(as_text=True)


def test_damaged_bytes_on_disk_are_not_served(client, login, storage):
    document = make_document(data=b"original\n", name="damaged.txt")
    db.session.commit()
    storage.replace(document.file.sha256, b"tampered\n")
    login.as_role("viewer")
    response = client.get(f"/plans/documents/{document.id}/damaged.txt")
    assert response.status_code == 410 and b"tampered" not in response.data


def test_titles_and_names_are_escaped_on_the_page(client, login):
    payload = '<img src=x onerror="alert(1)">'
    ap = factories.make_action_point()
    make_document(ap, name=f"{payload}.pdf", title=payload)
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/plans/action-points/{ap.id}").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_action_point_page_loads_documents_in_a_fixed_number_of_queries(app, client, login):
    ap = factories.make_action_point()
    make_document(ap, name="one.pdf")
    login.as_role("admin")
    url = f"/plans/action-points/{ap.id}"
    few = count_queries(app, lambda: client.get(url))
    for number in range(4):
        document = make_document(ap, data=PDF + bytes([number]), name=f"doc{number}.pdf")
        if number % 2:
            retire_document(document, by="tests")
    db.session.commit()
    many = count_queries(app, lambda: client.get(url))
    assert many == few > 0
    assert client.get(url).get_data(as_text=True).count('href="/plans/documents/') == 5


# The API


@pytest.fixture
def admin(api):
    api.as_role("admin")
    return api


def test_api_uploads_lists_and_downloads_a_document(admin, storage):
    ap = factories.make_action_point()
    db.session.commit()
    response = admin.post(
        f"/api/v1/action-points/{ap.id}/documents",
        data={"file": file_part(DOCX, "Terms of reference.docx"), "title": "ToR"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["title"] == "ToR" and body["media_type"] == DOCX_TYPE
    assert DOCX in storage.everything().values()
    assert body["action_point"] == {"id": ap.id, "code": ap.code}
    assert response.headers["Location"] == f"/api/v1/documents/{body['id']}"
    listing = admin.get(f"/api/v1/action-points/{ap.id}/documents").get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]
    download = admin.get(body["download_url"])
    assert download.data == DOCX
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert admin.get(f"/api/v1/documents/{body['id']}").get_json() == body


def test_api_refuses_html_named_pdf_at_the_file_field(admin):
    ap = factories.make_action_point()
    db.session.commit()
    response = admin.post(
        f"/api/v1/action-points/{ap.id}/documents", data={"file": file_part(HTML, "x.pdf")}
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and "HTML" in error["fields"]["file"]
    assert count(StoredFile) == 0


def test_api_upload_without_a_file_part_is_a_422(admin):
    ap = factories.make_action_point()
    db.session.commit()
    data = {"title": "x", "attachment": file_part(PDF, "x.pdf")}  # multipart, but no `file`
    response = admin.post(f"/api/v1/action-points/{ap.id}/documents", data=data)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"file": "Choose a file to upload."}


def test_api_upload_as_json_is_a_415(admin):
    ap = factories.make_action_point()
    db.session.commit()
    response = admin.post(f"/api/v1/action-points/{ap.id}/documents", json={"file": "x"})
    assert response.status_code == 415
    assert "multipart/form-data" in response.get_json()["error"]["message"]


def test_api_50_mb_body_is_a_json_413(admin):
    ap = factories.make_action_point()
    db.session.commit()
    body = big_multipart({"file": file_part(b"x" * (50 * 1024 * 1024), "huge.txt")})
    response = admin.post(f"/api/v1/action-points/{ap.id}/documents", **body)
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large" and "10 MB" in error["message"]


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_api_only_admin_may_upload_or_retire(api, role):
    api.as_role(role)
    document = make_document()
    db.session.commit()
    upload = api.post(
        f"/api/v1/action-points/{document.action_point_id}/documents",
        data={"file": file_part(PNG, "x.png")},
    )
    assert upload.status_code == 403 and upload.get_json()["error"]["code"] == "forbidden"
    assert api.post(f"/api/v1/documents/{document.id}/retire").status_code == 403
    db.session.expire_all()
    assert count(StoredFile) == 1
    assert db.session.get(ActionPointDocument, document.id).retired_at is None


def test_api_lists_only_the_action_points_own_documents(admin):
    mine, theirs = factories.make_action_point(), factories.make_action_point()
    kept = make_document(mine, name="mine.pdf")
    make_document(theirs, name="theirs.pdf")
    db.session.commit()
    listing = admin.get(f"/api/v1/action-points/{mine.id}/documents").get_json()
    assert [item["id"] for item in listing["items"]] == [kept.id]


def test_api_retire_hides_the_document_from_non_admins(api):
    document = make_document()
    db.session.commit()
    api.as_role("admin")
    retired = api.post(f"/api/v1/documents/{document.id}/retire")
    assert retired.status_code == 200 and retired.get_json()["retired_at"]
    again = api.post(f"/api/v1/documents/{document.id}/retire")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    listed = api.get(f"/api/v1/action-points/{document.action_point_id}/documents").get_json()
    assert listed["total"] == 1
    assert api.get(f"/api/v1/documents/{document.id}/file").data == PDF

    api.as_role("viewer")
    listed = api.get(f"/api/v1/action-points/{document.action_point_id}/documents").get_json()
    assert listed["total"] == 0
    assert api.get(f"/api/v1/documents/{document.id}").status_code == 404
    assert api.get(f"/api/v1/documents/{document.id}/file").status_code == 404


def test_api_missing_file_is_a_json_410(api, storage):
    api.as_role("viewer")
    document = make_document(data=b"short-lived\n", name="gone.txt")
    db.session.commit()
    storage.remove(document.file.sha256)
    response = api.get(f"/api/v1/documents/{document.id}/file")
    assert response.status_code == 410
    assert "no longer in storage" in response.get_json()["error"]["message"]


def test_api_documents_of_an_unknown_action_point_are_a_404(admin):
    assert admin.get("/api/v1/action-points/999999/documents").status_code == 404
    response = admin.post(
        "/api/v1/action-points/999999/documents", data={"file": file_part(PDF, "x.pdf")}
    )
    assert response.status_code == 404
    assert count(StoredFile) == 0
