"""How a message is written for the SMTP server (no server: the bytes only)."""

from __future__ import annotations

from datetime import UTC, datetime

from kit.mail.rendering import RenderedMail, build_message, wire_bytes


def test_one_click_link_stays_one_line_and_a_7_bit_server_gets_7_bit_bytes() -> None:
    link = "https://maillage.example.org/p/unsubscribe/surveys." + "x" * 120
    message = build_message(
        rendered=RenderedMail(
            subject="Réponses à l'enquête", text="Élodie, vos réponses…", html="<p>Élodie</p>"
        ),
        mail_from="Réseau Maillage <bonjour@maillage.example.org>",
        recipient="ada@example.org",
        recipient_name="Adélaïde",
        message_id="m1@maillage.example.org",
        language="fr",
        created_at=datetime(2026, 12, 7, tzinfo=UTC),
        unsubscribe_link=link,
    )
    eight_bit = wire_bytes(message)
    seven_bit = wire_bytes(message, cte_type="7bit")
    for data in (eight_bit, seven_bit):
        assert f"\r\nList-Unsubscribe: <{link}>\r\n".encode() in data
    assert not eight_bit.isascii()  # the French body as it is, for a server taking 8BITMIME
    assert seven_bit.isascii()  # else quoted-printable or base64, as send_message did
