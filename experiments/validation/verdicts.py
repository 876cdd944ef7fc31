"""The pinned verdicts (``verdicts.yaml``): what each pattern is expected to give, and why.

``lean-sim-validate`` compares every verdict with its pin and exits non-zero when one differs,
naming each pattern that changed, so a change that flips a pattern is a conscious decision:
update the pin, with its reason, in the commit that flips it. A pin may also list the result of
each judged criterion in order (``criteria: [PASS, FAIL, PASS]``): a pattern that fails for
another reason than before (one criterion mended, another broken) is then a change too. The
quick design (small organizations, few replicates; what ``make test`` runs) has pins of its
own, since its verdicts can differ from the full ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from experiments.validation.design import FAIL, PASS

PINS = Path(__file__).resolve().parent / "verdicts.yaml"


class PinsError(ValueError):
    """The pins file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Pin:
    verdict: str
    reason: str
    criteria: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Found:
    """What a pattern gave: its verdict and the result of each judged criterion, in order."""

    verdict: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    key: str
    pinned: Pin | None
    now: Found | None

    def describe(self) -> str:
        if self.pinned is None:
            return f"{self.key}: now {self.now.verdict}, but not pinned"
        if self.now is None:
            return f"{self.key}: pinned {self.pinned.verdict}, but no such pattern ran"
        text = f"{self.key}: pinned {self.pinned.verdict}, now {self.now.verdict}"
        if self.pinned.criteria is not None and self.pinned.criteria != self.now.criteria:
            text += (
                f" (criteria pinned {list(self.pinned.criteria)}, now {list(self.now.criteria)})"
            )
        return text


def load(design: str, path: Path = PINS, patterns: tuple[str, ...] = ()) -> dict[str, Pin]:
    """The pins of one design (``full`` or ``quick``); checks every entry first."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise PinsError(f"{path}: cannot read the pinned verdicts ({err})") from None
    entries = data.get(design) if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise PinsError(f"{path}: no mapping {design!r} of pattern: {{verdict, reason}}")
    pins, errors = {}, []
    for key, entry in entries.items():
        where = f"{design}.{key}"
        if patterns and key not in patterns:
            errors.append(f"{where}: unknown pattern (known: {', '.join(patterns)})")
            continue
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be a mapping with 'verdict' and 'reason'")
            continue
        verdict, reason = entry.get("verdict"), entry.get("reason")
        criteria = entry.get("criteria")
        if verdict not in (PASS, FAIL):
            errors.append(f"{where}.verdict={verdict!r}: must be {PASS} or {FAIL}")
        if not isinstance(reason, str) or not reason.strip():
            errors.append(f"{where}.reason: say why this verdict is expected")
        if criteria is not None and (
            not isinstance(criteria, list) or any(c not in (PASS, FAIL) for c in criteria)
        ):
            errors.append(f"{where}.criteria={criteria!r}: must be a list of {PASS}/{FAIL}")
            criteria = None
        elif criteria is not None and (verdict == PASS) != all(c == PASS for c in criteria):
            errors.append(f"{where}: verdict {verdict} contradicts criteria {criteria}")
        pins[key] = Pin(str(verdict), str(reason).strip(), tuple(criteria) if criteria else None)
    if errors:
        raise PinsError(f"{path}:\n  " + "\n  ".join(errors))
    return pins


def changes(pins: dict[str, Pin], found: dict[str, Found]) -> list[Change]:
    """Every pattern whose verdict (or pinned criteria) differs from its pin, or that is pinned
    or run alone."""
    out = []
    for key in [*found, *(k for k in pins if k not in found)]:
        pin, now = pins.get(key), found.get(key)
        differs = pin is None or now is None or pin.verdict != now.verdict
        if differs or (pin.criteria is not None and pin.criteria != now.criteria):
            out.append(Change(key, pin, now))
    return out
