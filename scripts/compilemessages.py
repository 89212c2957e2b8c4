#!/usr/bin/env python3
"""Compile the translation catalogues (`tidtam/locale/` and each app's `locale/`) into `.mo` files with polib.

No GNU gettext needed. `--check` compiles in memory and exits 1 when a committed `.mo` differs from its `.po`
(or is missing), without writing anything. The output is deterministic: the same `.po` always gives the same bytes.

    python scripts/compilemessages.py          # write the .mo files
    python scripts/compilemessages.py --check  # verify they are up to date
"""

import argparse
import re
import sys
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "tidtam"


def compile_po(po_path: Path) -> bytes:
    """The `.mo` bytes for one `.po` file. Fuzzy and untranslated entries are left out, as msgfmt does."""
    catalogue = polib.pofile(str(po_path), wrapwidth=0)
    errors = [entry.msgid for entry in catalogue if _format_mismatch(entry)]
    if errors:
        raise ValueError(f"{po_path}: placeholders differ between msgid and msgstr: {errors}")
    return catalogue.to_binary()


def _format_mismatch(entry: polib.POEntry) -> bool:
    """True when a translation names different %(name)s placeholders than its message id."""
    names = re.compile(r"%\((\w+)\)[sd]")
    wanted = set(names.findall(entry.msgid))
    translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    return any(text and set(names.findall(text)) != wanted for text in translations)


def po_files(root: Path = PACKAGE_DIR) -> list[Path]:
    """The project catalogue and every app's (Django finds `<app>/locale/` by itself)."""
    return sorted(root.glob("**/locale/*/LC_MESSAGES/*.po"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale .mo files instead of writing them")
    parser.add_argument("--root", type=Path, default=PACKAGE_DIR)
    args = parser.parse_args(argv)
    stale = []
    for po_path in po_files(args.root):
        mo_path = po_path.with_suffix(".mo")
        data = compile_po(po_path)
        if args.check:
            if not mo_path.exists() or mo_path.read_bytes() != data:
                stale.append(mo_path)
            continue
        if not mo_path.exists() or mo_path.read_bytes() != data:
            mo_path.write_bytes(data)
            print(f"compiled {po_path.relative_to(args.root)}")
    if stale:
        print("out of date (run scripts/compilemessages.py):", *map(str, stale), sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
