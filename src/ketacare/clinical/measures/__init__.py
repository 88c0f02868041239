"""Rating instruments as versioned data, scored by the pure clinical core.

    from ketacare.clinical.measures import get_instrument, score, compare_to_baseline

    phq9 = get_instrument("phq9")
    result = score(phq9, {"1": 2, "2": 1, ...})
    outcome = compare_to_baseline(phq9, baseline_total=18, current_total=8)

Definitions live in `definitions/<code>.json`, one file per instrument version, each citing its
sources. See CONTRIBUTING.md, "How to add a rating scale".
"""

from ketacare.clinical.measures.definition import DefinitionError, parse_definition
from ketacare.clinical.measures.licensed_text import with_licensed_text
from ketacare.clinical.measures.model import (
    AnswerOption,
    DiagnosisRule,
    EnableCondition,
    ImprovementGrade,
    Instrument,
    Item,
    Licence,
    LicenceStatus,
    OutcomeRules,
    Rater,
    RemissionAlternative,
    RiskLevel,
    SafetyLevel,
    SafetyRule,
    ScoringMethod,
    ScreenCutoff,
    SeverityBand,
    Subscale,
    SubscaleMethod,
)
from ketacare.clinical.measures.outcomes import (
    ChangeStatus,
    OutcomeResult,
    ResponseStatus,
    compare_to_baseline,
)
from ketacare.clinical.measures.registry import (
    UnknownInstrumentError,
    all_instruments,
    get_instrument,
)
from ketacare.clinical.measures.scoring import (
    SCORING_VERSION,
    SafetyFlag,
    ScoreResult,
    SubscaleScore,
    score,
    validate_answers,
)

__all__ = [
    "SCORING_VERSION",
    "AnswerOption",
    "ChangeStatus",
    "DefinitionError",
    "DiagnosisRule",
    "EnableCondition",
    "ImprovementGrade",
    "Instrument",
    "Item",
    "Licence",
    "LicenceStatus",
    "OutcomeResult",
    "OutcomeRules",
    "Rater",
    "RemissionAlternative",
    "ResponseStatus",
    "RiskLevel",
    "SafetyFlag",
    "SafetyLevel",
    "SafetyRule",
    "ScoreResult",
    "ScoringMethod",
    "ScreenCutoff",
    "SeverityBand",
    "Subscale",
    "SubscaleMethod",
    "SubscaleScore",
    "UnknownInstrumentError",
    "all_instruments",
    "compare_to_baseline",
    "get_instrument",
    "parse_definition",
    "score",
    "validate_answers",
    "with_licensed_text",
]
