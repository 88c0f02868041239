"""Writes for the treatment day, split by meaning: the state machine and check-in (flow), the
pre-dose checks (checks), dosing and observations (dosing), adverse events (events), recovery,
discharge (recovery), the REMS form (rems), controlled-substance waste (waste), and the
organisation's settings (settings)."""

from ketacare.treatment_sessions.services.checks import (
    precheck_override,
    precheck_record,
    precheck_run_automatic,
)
from ketacare.treatment_sessions.services.dosing import (
    administration_record,
    dosing_end,
    dosing_start,
    observation_record,
    session_order,
)
from ketacare.treatment_sessions.services.events import (
    StaleAdverseEventError,
    adverse_event_record,
    adverse_event_update,
    incident_review_close,
)
from ketacare.treatment_sessions.services.flow import (
    TRANSITIONS,
    StaleSessionError,
    session_check_in,
    session_transition,
    transport_record,
)
from ketacare.treatment_sessions.services.recovery import (
    clinically_stable_attest,
    discharge_gate,
    escort_present_record,
    recovery_score_record,
    session_discharge,
)
from ketacare.treatment_sessions.services.rems import (
    REVIEWED_ANSWERS,
    rems_form_build,
    rems_form_mark_submitted,
    rems_form_review,
    rems_suggestions,
)
from ketacare.treatment_sessions.services.settings import treatment_day_settings_set
from ketacare.treatment_sessions.services.waste import (
    balance_of,
    ketamine_lots,
    session_balance,
    waste_record,
)

__all__ = [
    "REVIEWED_ANSWERS",
    "TRANSITIONS",
    "StaleAdverseEventError",
    "StaleSessionError",
    "administration_record",
    "adverse_event_record",
    "adverse_event_update",
    "clinically_stable_attest",
    "discharge_gate",
    "dosing_end",
    "dosing_start",
    "escort_present_record",
    "incident_review_close",
    "observation_record",
    "precheck_override",
    "precheck_record",
    "precheck_run_automatic",
    "recovery_score_record",
    "rems_form_build",
    "rems_form_mark_submitted",
    "rems_form_review",
    "rems_suggestions",
    "session_check_in",
    "session_discharge",
    "balance_of",
    "ketamine_lots",
    "session_balance",
    "session_order",
    "session_transition",
    "transport_record",
    "treatment_day_settings_set",
    "waste_record",
]
