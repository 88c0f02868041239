from django.test import Client


def test_healthz_reports_a_reachable_database(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


def test_a_nurse_opens_a_chart(practice_a, nurse_client):
    response = nurse_client.get(f"/patients/{practice_a.patient.public_id}/")
    assert response.status_code == 200
    assert b"Quillfeather" in response.content
