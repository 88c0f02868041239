"""The sealer's work follows what is new, not the size of the trail: it reads each chain with
pending events once (not once per event), looks only above the settled mark in its regular
cycle, and an event that turns up below the mark (a transaction held open past SETTLED_AFTER)
is sealed by the full sweep and counted as pending until then."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketacare.audit.chain import SETTLED_AFTER, seal_pending_events, verify_chains
from ketacare.audit.models import AuditAction, AuditEvent, AuditSeal, AuditSealProgress
from ketacare.audit.services import event_values, record_event
from ketacare.tenancy.models import Role

pytestmark = pytest.mark.django_db


def _views(practice, count: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    nurse = practice.staff[Role.NURSE]
    return [
        record_event(actor=nurse, action=AuditAction.VIEW, obj=practice.patient)
        for _ in range(count)
    ]


def _event_with_id(practice, event_id: int) -> AuditEvent:  # type: ignore[no-untyped-def]
    values = event_values(
        actor=practice.staff[Role.NURSE], action=AuditAction.VIEW, obj=practice.patient
    )
    event = AuditEvent(id=event_id, **values)
    event.save(force_insert=True)
    return event


def _queries_to_seal(practice, pending: int) -> int:  # type: ignore[no-untyped-def]
    _views(practice, pending)
    with CaptureQueriesContext(connection) as captured:
        assert seal_pending_events(full=False) == pending
    return len(captured.captured_queries)


def test_the_sealer_reads_a_chain_once_however_many_of_its_events_wait(practice_a):
    seal_pending_events()  # what the fixtures wrote
    _queries_to_seal(practice_a, 1)  # the chain's head is made once
    assert _queries_to_seal(practice_a, 3) == _queries_to_seal(practice_a, 40)


def test_the_regular_cycle_looks_above_the_settled_mark_and_the_full_sweep_everywhere(
    practice_a,
):
    chain = f"org-{practice_a.organisation.pk}"
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        first = _views(practice_a, 1)[0]
        # An id far above the first leaves room below for a late event (ids are allocated when
        # a transaction writes; it may commit much later).
        _event_with_id(practice_a, first.pk + 100)
        newest = AuditEvent.objects.order_by("-id").first()
        assert newest is not None
        assert seal_pending_events() > 0  # the first cycle is a full sweep
        assert AuditSealProgress.objects.get().swept_to_id == 0  # nothing is settled yet

        clock.shift(SETTLED_AFTER + timedelta(minutes=1))
        seal_pending_events(full=False)
        assert AuditSealProgress.objects.get().swept_to_id == newest.pk

        late = _event_with_id(practice_a, first.pk + 50)
        assert seal_pending_events(full=False) == 0  # below the mark: not looked at
        pending = next(c for c in verify_chains().chains if c.chain == chain)
        assert pending.pending == 1  # ... but never reported as valid

        clock.shift(timedelta(minutes=5))
        assert seal_pending_events(full=False) == 0  # not yet an hour since the full sweep
        clock.shift(timedelta(hours=1))
        assert seal_pending_events() == 1  # the hourly full sweep finds it
    assert AuditSeal.objects.filter(event=late).exists()
    report = verify_chains()
    assert report.ok
    assert next(c for c in report.chains if c.chain == chain).pending == 0


def test_verify_lists_each_chain_once(practice_a, practice_b):
    _views(practice_a, 5)
    _views(practice_b, 5)
    chains = [c.chain for c in verify_chains().chains]
    assert len(chains) == len(set(chains))
    assert {f"org-{practice_a.organisation.pk}", f"org-{practice_b.organisation.pk}"} <= set(chains)
