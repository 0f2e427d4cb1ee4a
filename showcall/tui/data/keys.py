"""Provides the department keys for acknowledging a standby: `a` then a department's key.

A department may declare `key:` in the show file; the others get the first letter of their code,
or the next letter of the code (then of the name, then a digit) not already taken, so SND and SPOT
become `s` and `p`. Declared keys win over defaults whatever the declaration order.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from showcall.model.show import Department


def department_keys(departments: Mapping[str, Department]) -> dict[str, str]:
    """Key (one lower-case character) -> department code, for every department that could get one."""
    keys: dict[str, str] = {}
    for code, department in departments.items():
        if department.key is not None:
            keys.setdefault(department.key.lower(), code)
    for code, department in departments.items():
        if code in keys.values():
            continue
        candidates = [*code.lower(), *(department.name or "").lower(), *string.digits[1:]]
        for key in candidates:
            if (key.isalpha() or key.isdigit()) and key not in keys:
                keys[key] = code
                break
    return keys


def key_of(keys: Mapping[str, str], dept: str) -> str | None:
    """The key that acknowledges `dept`, if it has one."""
    for key, code in keys.items():
        if code == dept:
            return key
    return None
