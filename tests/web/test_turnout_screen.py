"""The projector's turnout screen over HTTP: every open batch with the API's numbers, nothing
closed, nothing secret, and a page that refreshes itself with and without JavaScript."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlmodel import Session

from survey.ballots import codes
from survey.models import Role
from tests.factories import PASSWORD, bearer, make_token, make_user
from tests.web.turnout_world import meeting_room

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
CARD = re.compile(
    r'<section class="batch" data-batch="(\d+)">\s*<h2>([^<]*)</h2>\s*'
    r'<p class="count"><strong class="used">(\d+)</strong><span class="of"> / '
    r'<span class="issued">(\d+)</span></span></p>\s*<p class="share">([\d.]+)%</p>'
)


def _cards(html: str) -> dict[int, tuple[str, int, int, float]]:
    return {
        int(b): (title, int(used), int(issued), float(share))
        for b, title, used, issued, share in CARD.findall(html)
    }


def test_every_open_batch_shows_the_apis_numbers(client: TestClient, session: Session) -> None:
    room = meeting_room(
        session,
        client,
        [
            ("第一代表团", 6, 4, "open"),
            ("第二代表团", 5, 0, "open"),
            ("已结束的测评", 4, 2, "closed"),
            ("第三代表团", 7, 3, "open"),
        ],
    )
    elsewhere = meeting_room(session, client, [("另一项考核", 3, 1, "open")])
    api = bearer(make_token(session, Role.viewer))
    make_user(session, Role.viewer, username="screen")
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": "screen", "password": PASSWORD, "csrf_token": token}
    )

    ballots = client.get("/office/ballots").text
    assert f'href="/office/ballots/screen?evaluation={room.evaluation.id}"' in ballots
    page = client.get("/office/ballots/screen", params={"evaluation": room.evaluation.id})
    assert page.status_code == 200
    cards = _cards(page.text)
    open_ids = [b.id for b in room.batches if b.title != "已结束的测评"]
    assert list(cards) == open_ids  # the closed batch and the other evaluation are left out
    for batch_id in open_ids:
        turnout = client.get(f"/api/v1/ballot-batches/{batch_id}/turnout", headers=api).json()
        assert turnout["status"] == "open"
        assert cards[batch_id] == (
            turnout["title"],
            turnout["used"],
            turnout["issued"],
            round(turnout["share"] * 100, 1),
        )
    # What was cast above, counted by hand: 4 of 6, 0 of 5, 3 of 7.
    assert [cards[b][1:3] for b in open_ids] == [(4, 6), (0, 5), (3, 7)]
    # The page refreshes itself: htmx every few seconds, a reload without JavaScript.
    assert f'hx-get="/office/ballots/screen?evaluation={room.evaluation.id}"' in page.text
    assert 'hx-trigger="every 3s"' in page.text
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)|\son[a-z]+=", page.text)  # the CSP's rule

    everything = _cards(client.get("/office/ballots/screen").text)
    assert list(everything) == [*open_ids, elsewhere.batches[0].id]
    partial = client.get("/office/ballots/screen", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="screen"') and "<html" not in partial.text


def test_the_screen_carries_no_code_and_needs_a_sign_in(
    client: TestClient, session: Session
) -> None:
    room = meeting_room(session, client, [("第一代表团", 3, 1, "open")])
    assert client.get("/office/ballots/screen", follow_redirects=False).status_code in (303, 401)
    make_user(session, Role.viewer, username="screen")
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": "screen", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get("/office/ballots/screen", params={"evaluation": room.evaluation.id})
    # No code, used or not, in any spelling, may be on a projected page.
    shown = page.text.upper()
    assert page.status_code == 200 and "第一代表团" in page.text
    assert not [c for c in room.codes if c in shown or codes.display(c) in shown]
    unknown = client.get("/office/ballots/screen", params={"evaluation": 999999})
    assert unknown.status_code == 404 and "999999" in unknown.text
    bad = client.get("/office/ballots/screen", params={"evaluation": "abc"})
    assert bad.status_code == 422


def test_a_refresh_after_the_session_ended_takes_the_whole_screen_to_the_sign_in(
    client: TestClient, session: Session
) -> None:
    room = meeting_room(session, client, [("第一代表团", 3, 1, "open")])
    screen = f"/office/ballots/screen?evaluation={room.evaluation.id}"
    # htmx's every-3-s refresh with no (or an expired) session: no login form swapped into
    # the cards, but a redirect of the whole page, back to the screen after signing in.
    refresh = client.get(
        screen,
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{screen}"},
        follow_redirects=False,
    )
    assert refresh.status_code == 204 and refresh.text == ""
    assert refresh.headers["HX-Redirect"] == "/office/login?next=" + quote(screen)
    # A current URL on another site is not followed back.
    elsewhere = client.get(
        screen,
        headers={"HX-Request": "true", "HX-Current-URL": "//evil.example/office"},
        follow_redirects=False,
    )
    assert elsewhere.headers["HX-Redirect"] == "/office/login?next=" + quote(screen)
    # A plain request still gets the ordinary redirect.
    plain = client.get(screen, follow_redirects=False)
    assert plain.status_code == 303 and "HX-Redirect" not in plain.headers
