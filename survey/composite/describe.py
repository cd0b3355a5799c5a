"""The rules of a scheme in words, as translatable messages.

Results and explanations name the rules that produced them (how ties rank, what each grade
needs, who is interviewed, who gets the progress award). They are built here from the scheme
as message ids with parameters, so the office pages show them in the reader's language and the
API's English text (``str()`` of the message) says the same.
"""

from __future__ import annotations

from survey.composite.schemas import SchemeSpec
from survey.errors import N_, Message, Named

EXCELLENCE_RULE = Message(
    N_(
        "score = mean of the goals' scores; difficulty = sum(d × score) / sum(score) over the "
        "goals, so that the block gives mean(d × score)"
    )
)
_NONE = Message(N_("none"))


def _share(share: float) -> str:
    return f"{share * 100:g}%"


def rank_rule(spec: SchemeSpec) -> Message:
    base = Message(
        N_(
            "totals rounded to %(decimals)s decimals, then competition ranking (1224): 1 + the "
            "number of units strictly ahead; units equal on the total and on every tie-break "
            "key share the best rank of their block"
        ),
        {"decimals": spec.ranking.decimals},
    )
    keys = [
        Message(
            N_("block %(block)s, higher is better")
            if t.direction == "higher"
            else N_("block %(block)s, lower is better"),
            {"block": _block_name(spec, t.block)},
        )
        for t in spec.ranking.tie_break
    ]
    if not keys:
        return base
    return Message(N_("%(rule)s; tie-break keys in order: %(keys)s"), {"rule": base, "keys": keys})


def _block_name(spec: SchemeSpec, code: str) -> Named | str:
    """A tie-break block by the name the scheme gives it (its code if the scheme has none)."""
    todo = list(spec.blocks)
    while todo:
        block = todo.pop()
        if block.code == code:
            return Named(block.name, block.name_en)
        todo.extend(block.blocks)
    return code


def grade_rules(spec: SchemeSpec) -> list[Message]:
    """One message per grade, best first, and the rule on ties at a quota boundary."""
    g = spec.grades
    n = len(g.names) - 1
    thresholds = list(g.thresholds) if g.thresholds is not None else [None] * n
    shares = list(g.max_shares) if g.max_shares is not None else [None] * n
    out: list[Message] = []
    for name, t, s in zip(g.names[:-1], thresholds, shares, strict=False):
        params: dict[str, object] = {"grade": name}
        if t is not None and s is not None:
            message = N_(
                "%(grade)s: a total of %(threshold)s or more, and at most %(share)s of the "
                "units (rounded down)"
            )
            params.update(threshold=f"{t:g}", share=_share(s))
        elif t is not None:
            message = N_("%(grade)s: a total of %(threshold)s or more")
            params.update(threshold=f"{t:g}")
        elif s is not None:
            message = N_("%(grade)s: at most %(share)s of the units (rounded down)")
            params.update(share=_share(s))
        else:
            message = N_("%(grade)s: no condition")
        out.append(Message(message, params))
    out.append(Message(N_("%(grade)s: the rest"), {"grade": g.names[-1]}))
    out.append(Message(N_("units tied at a quota boundary go down together")))
    return out


def interview_rule(spec: SchemeSpec) -> Message:
    rule = spec.interview
    if rule is None:
        return _NONE
    parts: list[Message] = []
    if rule.bottom:
        parts.append(
            Message(
                N_("the bottom %(n)s (units tied at the boundary included)")
                if rule.boundary_ties == "include"
                else N_("the bottom %(n)s (units tied at the boundary excluded)"),
                {"n": rule.bottom},
            )
        )
    if rule.fall_places:
        parts.append(
            Message(
                N_("a fall of %(n)s places or more against the previous evaluation"),
                {"n": rule.fall_places},
            )
        )
    if len(parts) == 2:
        return Message(N_("%(first)s, or %(second)s"), {"first": parts[0], "second": parts[1]})
    return parts[0] if parts else _NONE


def progress_rule(spec: SchemeSpec) -> Message:
    rule = spec.progress_award
    if rule is None:
        return _NONE
    parts: list[Message] = []
    if rule.min_rise:
        parts.append(Message(N_("a rise of %(n)s places or more"), {"n": rule.min_rise}))
    if rule.top_k:
        parts.append(Message(N_("among the %(n)s largest rises"), {"n": rule.top_k}))
    if len(parts) == 2:
        return Message(N_("%(first)s, and %(second)s"), {"first": parts[0], "second": parts[1]})
    return parts[0] if parts else _NONE


def rules(spec: SchemeSpec) -> dict[str, object]:
    """Every rule of a category's results, for a page that lists them."""
    return {
        "rank": rank_rule(spec),
        "grades": grade_rules(spec),
        "interview": interview_rule(spec),
        "progress_award": progress_rule(spec),
    }
