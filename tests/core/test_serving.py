"""`commonweal serve`: a production server with debug off, a CSP, HSTS over HTTPS, a health check."""

import json

import pytest

from ..factories import http, served

pytestmark = pytest.mark.django_db(transaction=True)


def test_serve_answers_with_debug_off_and_a_content_security_policy(universe):
    with served(workers=1, threads=2) as base:
        status, headers, body = http("GET", base + "/health")
        assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}
        status, headers, body = http("GET", base + "/public/systems/devon-2019/")
        assert status == 200 and headers["Server"].startswith("gunicorn")
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self' 'nonce-" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        nonce = csp.split("'nonce-")[1].split("'")[0]
        assert f'<script nonce="{nonce}">' in body.decode(), "the page's one inline script"
        assert headers["X-Frame-Options"] == "DENY"
        # Debug pages are off: a missing page does not list every URL.
        status, _, body = http("GET", base + "/no/such/page/")
        assert (
            status == 404 and "URLconf" not in body.decode() and "Page not found" in body.decode()
        )
        assert "Strict-Transport-Security" not in headers, "HSTS only over HTTPS"
        # A request for another host is refused without a traceback in the log (anyone could
        # otherwise fill the log by sending them).
        status, _, _ = http("GET", base + "/accounts/login/", headers={"Host": "evil.example"})
        assert status == 400
        assert "Traceback" not in base.log() and "DisallowedHost" not in base.log(), base.log()


def test_behind_https_cookies_are_secure_and_hsts_is_sent(universe):
    with served(
        workers=1,
        threads=2,
        COMMONWEAL_HTTPS="1",
        COMMONWEAL_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    ) as base:
        status, headers, _ = http(
            "GET", base + "/accounts/login/", headers={"X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "csrftoken=" in headers["Set-Cookie"] and "; Secure" in headers["Set-Cookie"]
        status, headers, _ = http("GET", base + "/accounts/login/")
        assert status == 301 and headers["Location"].startswith("https://"), (
            "plain HTTP moves to HTTPS"
        )
        assert http("GET", base + "/health")[0] == 200, "the health check answers on plain HTTP"
