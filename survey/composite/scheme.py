"""Scoring schemes, one import for the rest of the app: the names of the scheme_* modules.

A scheme file holds one scheme per YAML document (documents separated by ``---``). The work
is split by concern:

* ``scheme_parse``: YAML documents with line numbers, problems located by line and field;
* ``scheme_methods``: method parameters and period plans, and the library's typed
  parameters (``scoring.TargetCompletionParams`` ...) built from them;
* ``scheme_check``: every problem of a scheme (``parse_schemes``, ``check_scheme``);
* ``scheme_store``: versions in the database, import, export, history;
* ``scheme_tree``: ``build_tree``, the scoring.composite nodes of one category.

Callers import this module (``from survey.composite import scheme as schemes``) so that the
split stays an inner matter of the area.
"""

from survey.composite.scheme_check import (
    block_paths,
    check_scheme,
    parse_schemes,
    satisfaction_sources,
)
from survey.composite.scheme_methods import (
    PARAMS,
    PeriodPlan,
    default_period,
    method_of,
    params_of,
    period_plan,
    scoring_params,
)
from survey.composite.scheme_parse import (
    ROOT,
    WEIGHT_TOLERANCE,
    Float,
    Loc,
    ParsedScheme,
    SchemeProblem,
    SchemeRejected,
    dump_yaml,
    field_path,
    spec_to_yaml,
)
from survey.composite.scheme_store import (
    current_schemes,
    export_text,
    get_scheme,
    history,
    import_text,
    list_schemes,
    put_scheme,
    spec_of,
    validate_text,
    version_public,
)
from survey.composite.scheme_tree import (
    Annotation,
    BuiltScheme,
    SchemeData,
    _Builder,
    build_tree,
)

__all__ = [
    "PARAMS",
    "ROOT",
    "WEIGHT_TOLERANCE",
    "Annotation",
    "BuiltScheme",
    "Float",
    "Loc",
    "ParsedScheme",
    "PeriodPlan",
    "SchemeData",
    "SchemeProblem",
    "SchemeRejected",
    "_Builder",
    "block_paths",
    "build_tree",
    "check_scheme",
    "current_schemes",
    "default_period",
    "dump_yaml",
    "export_text",
    "field_path",
    "get_scheme",
    "history",
    "import_text",
    "list_schemes",
    "method_of",
    "params_of",
    "parse_schemes",
    "period_plan",
    "put_scheme",
    "satisfaction_sources",
    "scoring_params",
    "spec_of",
    "spec_to_yaml",
    "validate_text",
    "version_public",
]
