"""'Before each session' scales are due relative to the next booked session."""

from datetime import UTC, datetime, timedelta

from ketacare.measures.due import BEFORE_SESSION_WINDOW, DueState, due_status

SESSION = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_before_each_session_is_not_due_until_the_days_before_the_session():
    now = SESSION - BEFORE_SESSION_WINDOW - timedelta(hours=1)
    due = due_status("before_each_session", None, now, next_session_at=SESSION)
    assert due.state == DueState.NOT_DUE
    assert due.due_at == SESSION - BEFORE_SESSION_WINDOW


def test_before_each_session_is_due_in_the_window_and_overdue_once_the_session_starts():
    last = SESSION - timedelta(days=10)
    assert (
        due_status(
            "before_each_session", last, SESSION - timedelta(hours=5), next_session_at=SESSION
        ).state
        == DueState.DUE
    )
    assert (
        due_status(
            "before_each_session", last, SESSION + timedelta(minutes=5), next_session_at=SESSION
        ).state
        == DueState.OVERDUE
    )


def test_an_answer_in_the_window_counts_for_the_session():
    last = SESSION - timedelta(hours=20)
    due = due_status(
        "before_each_session", last, SESSION - timedelta(hours=2), next_session_at=SESSION
    )
    assert due.state == DueState.NOT_DUE
    assert due.reason == "Filled for the next session."


def test_without_a_booked_session_it_stays_daily():
    now = SESSION
    assert (
        due_status("before_each_session", now - timedelta(hours=2), now).state == DueState.NOT_DUE
    )
    assert due_status("before_each_session", now - timedelta(hours=30), now).state == DueState.DUE
