"""Table models. Importing this package registers every table on ``SQLModel.metadata``."""

from survey.models.accounts import ApiToken, AuditLog, Role, User, WebSession
from survey.models.org import (
    Evaluation,
    EvaluationStatus,
    GroupKind,
    GroupWeight,
    Period,
    PeriodKind,
    RespondentGroup,
    Unit,
    UnitCategory,
)
from survey.models.responses import (
    Answer,
    Channel,
    Comment,
    QualityFlag,
    Response,
    TimePrecision,
)
from survey.surveys.models import (
    QuestionKind,
    Survey,
    SurveyCategory,
    SurveyGroup,
    SurveyQuestion,
    SurveyStatus,
    SurveyUnit,
)

__all__ = [
    "Answer",
    "ApiToken",
    "AuditLog",
    "Channel",
    "Comment",
    "Evaluation",
    "EvaluationStatus",
    "GroupKind",
    "GroupWeight",
    "Period",
    "PeriodKind",
    "QualityFlag",
    "QuestionKind",
    "RespondentGroup",
    "Response",
    "Role",
    "Survey",
    "SurveyCategory",
    "SurveyGroup",
    "SurveyQuestion",
    "SurveyStatus",
    "SurveyUnit",
    "TimePrecision",
    "Unit",
    "UnitCategory",
    "User",
    "WebSession",
]
