"""The travelling-exhibitions guide: every lendable exhibition, as CSV or a printable page."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

from directory.resources.models import Resource
from kit.spreadsheets import neutralise

COLUMNS = ["Titre", "Structure", "Thèmes", "Publics", "Disponible", "Conditions", "Prix (€)"]


def guide_rows(rows: Sequence[tuple[Resource, str]]) -> list[list[str]]:
    return [
        [
            resource.title,
            owner,
            ", ".join(resource.themes),
            ", ".join(resource.audiences),
            "oui" if resource.loan_available else "non",
            resource.loan_conditions or "",
            "" if resource.loan_price_eur is None else f"{resource.loan_price_eur:.2f}",
        ]
        for resource, owner in rows
    ]


def guide_csv(rows: Sequence[tuple[Resource, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in guide_rows(rows):
        writer.writerow([neutralise(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode()


def guide_html(rows: Sequence[tuple[Resource, str]]) -> str:
    """A self-contained page that prints cleanly (A4, one exhibition per block)."""
    blocks = []
    for resource, owner in rows:
        price = "" if resource.loan_price_eur is None else f" — {resource.loan_price_eur:.2f} €"
        blocks.append(
            "<article>"
            f"<h2>{html.escape(resource.title)}</h2>"
            f"<p class=owner>{html.escape(owner)}</p>"
            f"<p>{html.escape(resource.description or '')}</p>"
            f"<p class=meta>Thèmes : {html.escape(', '.join(resource.themes)) or '—'} · "
            f"Publics : {html.escape(', '.join(resource.audiences)) or '—'}</p>"
            f"<p class=meta>{'Disponible au prêt' if resource.loan_available else 'Indisponible'}"
            f"{html.escape(price)}. {html.escape(resource.loan_conditions or '')}</p>"
            "</article>"
        )
    return (
        "<!doctype html><html lang=fr><head><meta charset=utf-8>"
        "<title>Guide des expositions itinérantes</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;color:#222}"
        "article{border-bottom:1px solid #ccc;padding:.5rem 0;break-inside:avoid}"
        ".owner{font-weight:600}.meta{color:#555;font-size:.9rem}"
        "@page{size:A4;margin:15mm}"
        "</style></head><body><h1>Guide des expositions itinérantes</h1>"
        f"<p>{len(rows)} exposition(s).</p>{''.join(blocks)}</body></html>"
    )
