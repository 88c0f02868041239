"""Sealing events into per-organisation hash chains, and checking the chains.

hash(n) = HMAC-SHA256(AUDIT_CHAIN_KEY, hash(n-1) || canonical JSON of event n). The key is
kept out of the database, so someone who can edit rows cannot re-forge the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from ketacare.audit.models import AuditChainHead, AuditEvent, AuditSeal, AuditSealProgress

GENESIS_HASH = "0" * 64


def event_hash(previous_hash: str, content: dict[str, object]) -> str:
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    message = previous_hash.encode() + payload.encode()
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), message, hashlib.sha256).hexdigest()


# An event is written in the transaction of the change it records, and ketacare's transactions
# last seconds at most (most well under one). An event older than this is taken as committed, so
# an id older events have already passed will not turn up later: the regular cycle stops looking
# below it, and looks at about this much of the newest trail. A transaction held open longer
# (none of ketacare's are) would have its event sealed by the next full sweep instead;
# verify_audit counts every unsealed event as pending. An operational margin, not a clinical one.
SETTLED_AFTER = timedelta(minutes=2)
FULL_SWEEP_EVERY = timedelta(hours=1)


def seal_pending_events(*, batch_size: int = 2000, full: bool | None = None) -> int:
    """Seal every pending event, chain by chain, in id order. Returns how many were sealed.

    The regular cycle looks only at events above the progress mark, so it costs what is new, not
    the size of the trail; `full` (or an hour since the last full sweep) looks at every event.
    Then the mark moves up to the newest event old enough to be settled (SETTLED_AFTER)."""
    progress, _ = AuditSealProgress.objects.get_or_create(pk=1)
    now = timezone.now()
    if full is None:
        full = progress.full_sweep_at is None or now - progress.full_sweep_at >= FULL_SWEEP_EVERY
    above = 0 if full else progress.swept_to_id
    # Read before sealing: every event at or below it that is visible now is sealed below.
    settled = (
        AuditEvent.objects.filter(id__gt=above, occurred_at__lte=now - SETTLED_AFTER)
        .order_by()
        .aggregate(newest=Max("id"))["newest"]
    )
    chains = (
        AuditEvent.objects.filter(id__gt=above, seal__isnull=True)
        .order_by()  # the model's ordering would make DISTINCT one row per event
        .values_list("chain", flat=True)
        .distinct()
    )
    sealed = 0
    for chain in list(chains):
        while True:
            count = _seal_batch(chain, batch_size, above)
            sealed += count
            if count < batch_size:
                break
    changes: dict[str, Any] = {}
    if settled is not None:
        changes["swept_to_id"] = Greatest(F("swept_to_id"), Value(settled))
    if full:
        changes["full_sweep_at"] = now
    if changes:
        AuditSealProgress.objects.filter(pk=progress.pk).update(**changes)
    return sealed


@transaction.atomic
def _seal_batch(chain: str, batch_size: int, above: int) -> int:
    AuditChainHead.objects.get_or_create(chain=chain)
    head = AuditChainHead.objects.select_for_update().get(chain=chain)
    pending = list(
        AuditEvent.objects.filter(chain=chain, id__gt=above, seal__isnull=True).order_by("id")[
            :batch_size
        ]
    )
    now = timezone.now()
    seals = []
    for event in pending:
        digest = event_hash(head.hash, event.content())
        head.sequence += 1
        seals.append(
            AuditSeal(
                event=event,
                chain=chain,
                sequence=head.sequence,
                previous_hash=head.hash,
                hash=digest,
                sealed_at=now,
            )
        )
        head.hash = digest
    AuditSeal.objects.bulk_create(seals)
    head.save(update_fields=["sequence", "hash"])
    return len(seals)


@dataclass
class ChainReport:
    chain: str
    sealed: int = 0
    pending: int = 0
    broken_event_id: int | None = None
    problem: str = ""


@dataclass
class VerificationReport:
    chains: list[ChainReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.broken_event_id is None and not c.problem for c in self.chains)


def verify_chains() -> VerificationReport:
    """Recompute every chain from its first seal; name the first event that does not match."""
    report = VerificationReport()
    chains = sorted(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
    for chain in chains:
        report.chains.append(_verify_chain(chain))
    return report


def _verify_chain(chain: str) -> ChainReport:
    result = ChainReport(chain=chain)
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    seals = (
        AuditSeal.objects.filter(chain=chain)
        .select_related("event")
        .order_by("sequence")
        .iterator(chunk_size=2000)
    )
    for seal in seals:
        event = seal.event
        if seal.sequence != expected_sequence:
            result.broken_event_id = event.pk
            result.problem = f"seal {expected_sequence} is missing (found {seal.sequence})"
            return result
        if event.chain != chain or seal.previous_hash != expected_previous:
            result.broken_event_id = event.pk
            result.problem = "the link to the previous event does not match"
            return result
        if not hmac.compare_digest(event_hash(expected_previous, event.content()), seal.hash):
            result.broken_event_id = event.pk
            result.problem = "the event's content no longer matches its seal"
            return result
        expected_previous = seal.hash
        expected_sequence += 1
        result.sealed += 1
    result.pending = AuditEvent.objects.filter(chain=chain, seal__isnull=True).count()
    return result
