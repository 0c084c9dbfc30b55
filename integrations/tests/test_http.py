"""integrations.http against the fake Zendesk over real HTTP: timeouts, retries, Retry-After, typed errors."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from fakes.zendesk import FakeZendesk
from integrations.errors import AuthenticationError, PermanentError, RateLimited, TransientError
from integrations.http import JsonHttp, RetryPolicy, parse_retry_after, summarise_error

EMAIL, TOKEN = "agent@acme.test", "api-token-0123456789"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=60)


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        server.add_api_token(EMAIL, TOKEN)
        yield server


class Sleeps(list):
    """An injected sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


def make_http(sleeps: Sleeps, *, timeout: float = 2.0, retry: RetryPolicy = FAST) -> JsonHttp:
    return JsonHttp(
        label="Zendesk connection 'Acme'",
        timeout=timeout,
        retry=retry,
        sleep=sleeps,
        redact=lambda text: text.replace(TOKEN, "[redacted]"),
    )


def auth() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()}


def me(http: JsonHttp, fake: FakeZendesk):
    return http.request("GET", f"{fake.base_url}/api/v2/users/me.json", headers=auth())


def test_a_timeout_is_retried_then_succeeds(fake, sleeps):
    fake.fail_next(None, delay=0.6)
    http = make_http(sleeps, timeout=0.2)
    answer = me(http, fake)
    assert answer.status == 200 and answer.data["user"]["email"] == EMAIL
    assert http.attempts == 2 and len(sleeps) == 1


def test_timeouts_past_the_last_attempt_raise_a_transient_error(fake, sleeps):
    fake.fail_next(None, delay=0.4, times=3)
    http = make_http(sleeps, timeout=0.1)
    with pytest.raises(TransientError) as caught:
        me(http, fake)
    assert http.attempts == 3 and len(sleeps) == 2
    assert "timed out after 3 attempt(s)" in caught.value.message
    assert not caught.value.maybe_applied


def test_429_waits_the_retry_after_it_is_given(fake, sleeps):
    fake.fail_next(429, retry_after=7)
    http = make_http(sleeps)
    assert me(http, fake).status == 200
    assert sleeps == [7.0]


def test_429_without_retry_after_backs_off_exponentially_with_jitter(fake, sleeps):
    fake.fail_next(429, retry_after=False, times=2)
    http = make_http(sleeps)
    assert me(http, fake).status == 200
    assert len(sleeps) == 2
    # Full jitter under a doubling ceiling: 0.01 then 0.02.
    assert 0 <= sleeps[0] <= 0.01 and 0 <= sleeps[1] <= 0.02


def test_a_retry_after_too_long_to_wait_is_handed_back(fake, sleeps):
    fake.fail_next(429, retry_after=3600)
    http = make_http(sleeps)
    with pytest.raises(RateLimited) as caught:
        me(http, fake)
    assert caught.value.retry_after == 3600 and caught.value.status == 429
    assert caught.value.retry_at > timezone.now() + timedelta(minutes=59)
    assert sleeps == [] and http.attempts == 1


def test_429s_past_the_last_attempt_raise_rate_limited(fake, sleeps):
    fake.fail_next(429, retry_after=1, times=5)
    with pytest.raises(RateLimited) as caught:
        me(make_http(sleeps), fake)
    assert "APIRateLimitExceeded" in caught.value.message and sleeps == [1.0, 1.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried(fake, sleeps, status):
    fake.fail_next(status, times=2)
    http = make_http(sleeps)
    assert me(http, fake).status == 200 and http.attempts == 3


def test_5xx_past_the_last_attempt_raises_a_transient_error_with_the_status(fake, sleeps):
    fake.fail_next(503, times=3)
    with pytest.raises(TransientError) as caught:
        me(make_http(sleeps), fake)
    assert caught.value.status == 503 and caught.value.retryable


def test_a_dropped_connection_is_retried(fake, sleeps):
    fake.fail_next(None, drop=True)
    http = make_http(sleeps)
    assert me(http, fake).status == 200 and http.attempts == 2


def test_a_create_is_not_repeated_after_a_5xx_and_says_to_look_first(fake, sleeps):
    fake.fail_next(500)
    http = make_http(sleeps)
    body = {"ticket": {"subject": "Printer", "comment": {"body": "On fire"}}}
    with pytest.raises(TransientError) as caught:
        http.request("POST", f"{fake.base_url}/api/v2/tickets.json", headers=auth(), json_body=body)
    assert caught.value.maybe_applied and "look before sending it again" in caught.value.message
    assert http.attempts == 1 and sleeps == []


def test_a_create_is_repeated_after_a_429_which_the_desk_refused_before_acting(fake, sleeps):
    fake.fail_next(429, retry_after=1)
    http = make_http(sleeps)
    body = {"ticket": {"subject": "Printer", "comment": {"body": "On fire"}}}
    answer = http.request("POST", f"{fake.base_url}/api/v2/tickets.json", headers=auth(), json_body=body)
    assert answer.status == 201 and len(fake.tickets) == 1


def test_a_refused_connection_is_retried_even_for_a_create(sleeps):
    with FakeZendesk() as gone:
        url = f"{gone.base_url}/api/v2/tickets.json"
    http = make_http(sleeps)
    with pytest.raises(TransientError) as caught:
        http.request("POST", url, json_body={})
    assert http.attempts == 3 and not caught.value.maybe_applied


def test_401_is_an_authentication_error_saying_what_to_fix(fake, sleeps):
    http = make_http(sleeps)
    with pytest.raises(AuthenticationError) as caught:
        http.request("GET", f"{fake.base_url}/api/v2/tickets.json", headers={"Authorization": "Bearer nope"})
    error = caught.value
    assert error.status == 401 and error.token_rejected and not error.retryable
    assert "Couldn't authenticate you" in error.message
    assert "Reconnect the Zendesk connection 'Acme' in the admin" in error.message
    assert http.attempts == 1


def test_422_is_a_permanent_error_with_the_remotes_details(fake, sleeps):
    ticket = fake.create_ticket("Old")
    fake.set_status(ticket["id"], "closed")
    http = make_http(sleeps)
    with pytest.raises(PermanentError) as caught:
        http.request(
            "PUT",
            f"{fake.base_url}/api/v2/tickets/{ticket['id']}.json",
            headers=auth(),
            json_body={"ticket": {"subject": "New"}},
        )
    error = caught.value
    assert error.status == 422 and error.code == "RecordInvalid"
    assert "status:" in error.details and "closed" in error.details.lower()
    assert http.attempts == 1 and sleeps == []


def test_404_is_permanent_and_says_the_record_may_be_gone(fake, sleeps):
    with pytest.raises(PermanentError) as caught:
        make_http(sleeps).request("GET", f"{fake.base_url}/api/v2/tickets/999999.json", headers=auth())
    assert caught.value.status == 404 and "RecordNotFound" in caught.value.message
    assert "deleted in the desk" in caught.value.message


def test_secrets_stay_out_of_errors_and_logs(fake, sleeps, caplog):
    # A desk that echoes the credential back in its error body, and a retry that gets logged.
    fake.fail_next(500, times=3, body={"error": "Oops", "description": f"bad token {TOKEN}"})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TransientError) as caught:
        make_http(sleeps).request("GET", f"{fake.base_url}/api/v2/users/me.json", headers=auth(), params={"page": "2"})
    assert TOKEN not in str(caught.value) and "[redacted]" in str(caught.value)
    assert "page=2" not in str(caught.value) and "page=2" not in "".join(
        r.getMessage() for r in caplog.records if r.name.startswith("integrations")
    )
    assert caplog.records and TOKEN not in caplog.text


def test_retry_after_parses_seconds_and_http_dates():
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(timezone.now() + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(later) <= 30


def test_error_bodies_of_both_desks_are_summarised():
    zoho = {
        "errorCode": "INVALID_DATA",
        "message": "An invalid value was provided",
        "errors": [{"fieldName": "/subject", "errorType": "missing", "errorMessage": "subject is required"}],
    }
    assert summarise_error(zoho) == ("INVALID_DATA", "An invalid value was provided; subject: subject is required")
    zendesk = {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {"x": [{"description": "bad"}]},
    }
    assert summarise_error(zendesk) == ("RecordInvalid", "Record validation errors; x: bad")
    assert summarise_error(None, "<html>  Bad gateway </html>") == ("", "<html> Bad gateway </html>")
