"""How a CRM pipeline's stages map onto ours, and back, shown to admins and overridable in a setting.

The CRM's own closed-won and closed-lost stages (from its metadata, never guessed from a label) are Won
and Lost; any other closed stage is Lost. Open stages map by name when one of ours has the same name,
else by position (the first onto our first, the last onto our last, the rest spread between).
HUBSPOT_STAGE_MAP overrides any of it, by the CRM stage's id or label.
"""

from __future__ import annotations

from bot.integrations import CrmStage

WON, LOST = "Won", "Lost"


def stage_map(stages: list[CrmStage], open_stages: tuple[str, ...], override: dict[str, str]) -> dict[str, str]:
    """CRM stage id -> our stage name."""
    ours = {stage.casefold(): stage for stage in open_stages}
    crm_open = [stage for stage in stages if not stage.closed]
    mapping: dict[str, str] = {}
    for stage in stages:
        if stage.won:
            mapping[stage.id] = WON
        elif stage.closed:
            mapping[stage.id] = LOST
    for index, stage in enumerate(crm_open):
        if stage.label.casefold() in ours:
            mapping[stage.id] = ours[stage.label.casefold()]
        else:
            spread = round(index * (len(open_stages) - 1) / max(len(crm_open) - 1, 1))
            mapping[stage.id] = open_stages[spread]
    folded = {key.casefold(): value for key, value in override.items()}
    for stage in stages:
        chosen = override.get(stage.id) or folded.get(stage.label.casefold())
        if chosen:
            mapping[stage.id] = chosen
    return mapping


def reverse_map(stages: list[CrmStage], mapping: dict[str, str], open_stages: tuple[str, ...]) -> dict[str, str]:
    """Our stage name -> the CRM stage a deal in it is written to: the first CRM stage mapped onto it, or,
    for one of ours that nothing maps onto, the CRM stage mapped onto the nearest earlier stage of ours."""
    back: dict[str, str] = {}
    for stage in sorted(stages, key=lambda one: one.order):
        target = mapping.get(stage.id)
        if target and target not in back and (target not in (WON, LOST) or stage.won or stage.lost):
            back[target] = stage.id
    for stage in sorted(stages, key=lambda one: one.order):  # a plain closed stage, if the pipeline lacks won/lost
        back.setdefault(mapping.get(stage.id, ""), stage.id)
    previous = None
    for ours in open_stages:
        previous = back.get(ours, previous)
        if previous is not None:
            back.setdefault(ours, previous)
    first = next((back[ours] for ours in open_stages if ours in back), None)
    for ours in open_stages:
        if first is not None:
            back.setdefault(ours, first)
    back.pop("", None)
    return back


def stage_probabilities(stages: list[CrmStage], mapping: dict[str, str]) -> dict[str, float]:
    """Our open stage -> the CRM's probability of winning there (the average of the open CRM stages mapped
    onto it that give one): the walk-away signals weigh the pipeline by it (bot/rules/walkaway.py)."""
    found: dict[str, list[float]] = {}
    for stage in stages:
        ours = mapping.get(stage.id)
        if stage.closed or stage.probability is None or ours in (None, WON, LOST):
            continue
        found.setdefault(ours, []).append(min(max(stage.probability, 0.0), 1.0))
    return {ours: sum(values) / len(values) for ours, values in found.items()}


def describe(stages: list[CrmStage], mapping: dict[str, str]) -> list[str]:
    """One line per CRM stage, for `python -m bot crm stages` and the CRM page's walk-through (docs/admins/crm.md)."""
    return [
        f"{stage.label} ({stage.id}) -> {mapping.get(stage.id, '?')}" for stage in sorted(stages, key=lambda s: s.order)
    ]


def parse_stage_map(value: object) -> dict[str, str]:
    """HUBSPOT_STAGE_MAP as typed: `HUBSPOT_STAGE=OUR_STAGE` pairs, comma-separated (or a dict already)."""
    if isinstance(value, dict):
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    pairs = {}
    for part in str(value or "").split(","):
        if not part.strip():
            continue
        crm_stage, sep, ours = part.partition("=")
        if not sep or not crm_stage.strip() or not ours.strip():
            raise ValueError(
                "must be HUBSPOT_STAGE=OUR_STAGE pairs, e.g. qualifiedtobuy=Discovery,contractsent=Negotiation"
            )
        pairs[crm_stage.strip()] = ours.strip()
    return pairs
