from fastapi.testclient import TestClient
from sqlalchemy import select

from dozor.app import create_app
from dozor.auth.models import User
from dozor.clock import ManualClock
from dozor.config import Settings
from tests.auth.personas import PASSWORD, create_user, csrf_token, log_in

WRONG = "Неверный логин или пароль."
REFUSED = "Запрос отклонен"


def _is_logged_in(client: TestClient) -> bool:
    return client.get("/conversations", follow_redirects=False).status_code == 200


def _stored_language(client: TestClient, username: str) -> str | None:
    state = client.app.state  # type: ignore[attr-defined]

    async def read() -> str | None:
        async with state.sessions() as session:
            return await session.scalar(select(User.language).where(User.username == username))

    return client.portal.call(read)  # type: ignore[union-attr]


def test_anonymous_visitors_are_sent_to_the_login_form(app_client: TestClient) -> None:
    answer = app_client.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2F"
    form = app_client.get(answer.headers["location"])
    assert form.status_code == 200
    assert "Вход в Dozor" in form.text
    assert '<input type="hidden" name="next" value="/">' in form.text


def test_htmx_requests_of_anonymous_visitors_leave_the_page_for_the_login_form(
    app_client: TestClient,
) -> None:
    answer = app_client.get(
        "/conversations",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/?page=2"},
    )
    assert answer.status_code == 401
    assert answer.headers["hx-redirect"] == "/login?next=%2F%3Fpage%3D2"


def test_login_sets_the_session_cookie_and_goes_home(app_client: TestClient) -> None:
    create_user(app_client, "alice", "supervisor", name="Alice Smirnova")
    answer = log_in(app_client, "alice")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert "dozor_session=" in answer.headers["set-cookie"]
    assert "httponly" in answer.headers["set-cookie"].lower()
    page = app_client.get("/")
    assert page.status_code == 200
    assert "Alice Smirnova" in page.text
    assert "Руководитель" in page.text
    assert "Выйти" in page.text


def test_login_goes_back_only_to_a_page_of_this_site(app_client: TestClient) -> None:
    create_user(app_client, "alice", "supervisor")
    assert log_in(app_client, "alice", next="/?lang=en").headers["location"] == "/?lang=en"
    app_client.cookies.clear()
    assert log_in(app_client, "alice", next="//evil.example/").headers["location"] == "/"
    app_client.cookies.clear()
    assert log_in(app_client, "alice", next="https://evil.example/").headers["location"] == "/"


def test_a_logged_in_user_skips_the_login_form(alice: TestClient) -> None:
    answer = alice.get("/login", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_wrong_password_and_unknown_user_get_the_same_answer(app_client: TestClient) -> None:
    create_user(app_client, "alice", "supervisor")
    wrong = log_in(app_client, "alice", "not her password")
    unknown = log_in(app_client, "charlie", PASSWORD)
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert WRONG in answer.text
        assert "Вход в Dozor" in answer.text
    assert not _is_logged_in(app_client)


def test_the_typed_username_comes_back_escaped(app_client: TestClient) -> None:
    answer = log_in(app_client, '"><script>alert(1)</script>')
    assert answer.status_code == 401
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text
    assert "<script>alert(1)" not in answer.text


def test_logout_clears_the_session(alice: TestClient) -> None:
    answer = alice.post(
        "/logout", data={"csrf_token": csrf_token(alice, "/")}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert "dozor_session=null" in answer.headers["set-cookie"]
    assert "1970" in answer.headers["set-cookie"]
    assert "dozor_session" not in alice.cookies
    assert not _is_logged_in(alice)


def test_login_without_or_with_a_wrong_csrf_token_is_refused(app_client: TestClient) -> None:
    create_user(app_client, "alice", "supervisor")
    csrf_token(app_client)  # the session has a token, but the forms below do not carry it
    credentials = {"username": "alice", "password": PASSWORD}
    for extra in ({}, {"csrf_token": "forged"}, {"csrf_token": "подделка"}):
        answer = app_client.post("/login", data=credentials | extra, follow_redirects=False)
        assert answer.status_code == 403
        assert REFUSED in answer.text
        assert "ничего не сделано" in answer.text
    assert not _is_logged_in(app_client)


def test_a_token_of_another_session_is_refused(app_client: TestClient) -> None:
    create_user(app_client, "alice", "supervisor")
    someone_elses = csrf_token(app_client)
    app_client.cookies.clear()
    csrf_token(app_client)
    data = {"username": "alice", "password": PASSWORD, "csrf_token": someone_elses}
    assert app_client.post("/login", data=data).status_code == 403
    assert not _is_logged_in(app_client)


def test_logout_without_a_csrf_token_does_nothing(alice: TestClient) -> None:
    assert alice.post("/logout", follow_redirects=False).status_code == 403
    assert alice.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert _is_logged_in(alice)


def test_htmx_sends_the_csrf_token_in_a_header(alice: TestClient) -> None:
    token = csrf_token(alice, "/")
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in alice.get("/").text
    answer = alice.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert not _is_logged_in(alice)


def test_switching_the_language_is_kept_in_the_session_and_the_profile(
    alice: TestClient,
) -> None:
    assert "<h1>Консоль</h1>" in alice.get("/").text
    answer = alice.post(
        "/language",
        data={"language": "en", "next": "/", "csrf_token": csrf_token(alice, "/")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    page = alice.get("/").text
    assert '<html lang="en">' in page
    assert "<h1>Console</h1>" in page
    assert "Log out" in page
    assert "Supervisor" in page
    assert _stored_language(alice, "alice") == "en"

    # the profile brings the language back at the next login
    alice.cookies.clear()
    log_in(alice, "alice")
    assert "<h1>Console</h1>" in alice.get("/").text

    alice.post("/language", data={"language": "ru", "csrf_token": csrf_token(alice, "/")})
    page = alice.get("/").text
    assert "<h1>Консоль</h1>" in page
    assert "Выйти" in page
    assert _stored_language(alice, "alice") == "ru"


def test_switching_the_language_needs_a_csrf_token(alice: TestClient) -> None:
    answer = alice.post("/language", data={"language": "en", "csrf_token": "forged"})
    assert answer.status_code == 403
    assert "<h1>Консоль</h1>" in alice.get("/").text
    assert _stored_language(alice, "alice") is None


def test_anonymous_visitors_switch_the_language_too(app_client: TestClient) -> None:
    token = csrf_token(app_client)
    answer = app_client.post(
        "/language",
        data={"language": "en", "next": "/login?next=%2F", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/login?next=%2F"
    assert "Log in to Dozor" in app_client.get("/login").text


def test_the_lang_parameter_switches_and_is_remembered(app_client: TestClient) -> None:
    form = app_client.get("/login?lang=en").text
    assert "Log in to Dozor" in form
    assert "Wrong username" not in form
    # the language switch comes back to the page without ?lang=, which would override it
    assert '<input type="hidden" name="next" value="/login">' in form
    assert "Log in to Dozor" in app_client.get("/login").text
    assert "Вход в Dozor" in app_client.get("/login?lang=ru").text
    assert "Вход в Dozor" in app_client.get("/login?lang=de").text


def test_the_default_language_is_a_setting(settings: Settings, clock: ManualClock) -> None:
    english = settings.model_copy(update={"language": "en"})
    with TestClient(create_app(english, clock=clock)) as client:
        assert "Log in to Dozor" in client.get("/login").text
