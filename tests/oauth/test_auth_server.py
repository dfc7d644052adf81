#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small OAuth 2.0 authorization server for closeoutd's tests, on 127.0.0.1 only.

Device flow (RFC 8628), authorization code with PKCE S256 (RFC 7636) and refresh tokens (RFC
6749), with faults a test can switch on (slow_down, authorization_pending, expired_token,
access_denied, invalid_grant with an AADSTS description, 5xx, slow answers, revocation) and
access tokens that Dovecot in scripts/mailstack accepts: JWT HS256 signed with the stack's key.

    python3 tests/oauth/test_auth_server.py --stack DIR [--port N]

DIR is a running scripts/mailstack (DIR/env: its TLS certificate and key, OAUTH_JWT_KEY_FILE,
OAUTH_ISSUER). Serves HTTPS with the stack's certificate, prints "listening https://127.0.0.1:PORT"
as its first line on stdout, and runs until SIGTERM. Fatal: a missing stack file or busy port (exit
2 with the reason on stderr). It never writes a token, code or secret anywhere but the HTTP reply.
The control API (/control/...) is described in tests/oauth/README.md and in the handlers below.
Python 3 standard library only.
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AADSTS70008 = ("AADSTS70008: The provided authorization code or refresh token has expired due "
               "to inactivity. The token was issued on 2026-08-01T09:00:00Z and was inactive "
               "for 90.00:00:00. Trace ID: 00000000-0000-0000-0000-000000000000")

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

DEFAULTS = {
    "access_lifetime": 3600,   # s, the access token's "exp" - "iat" and "expires_in"
    "rotate": True,            # each refresh returns a new refresh token; the old one dies
    "device_expires_in": 900,  # s, how long a device code may be polled
    "interval": 5,             # s, the polling interval the device reply asks for
    "pending": 0,              # n polls after approval still answered authorization_pending
    "slow_down": 0,            # n polls answered slow_down
    "fail_5xx": 0,             # n next /token requests answered 503
    "down_until": 0,           # epoch s: /token answers 503 until then
    "delay": 0,                # s before each /token reply
    "refresh_error": "",       # "" | "invalid_grant" (AADSTS70008 description) | another error
    "refresh_error_description": "",  # overrides the description of refresh_error
    "client_secret": "",       # when set, /token wants this client_secret (else invalid_client)
    "id_token": True,          # token replies carry an id_token (preferred_username, email)
    "wrong_state": False,      # /authorize redirects with a state that is not the client's
}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value):
    return b64url(json.dumps(value, separators=(",", ":")).encode())


class OAuthError(Exception):
    """An RFC 6749 section 5.2 error reply."""

    def __init__(self, error, description="", status=400):
        super().__init__(error)
        self.error, self.description, self.status = error, description, status


class State:
    """Everything the server knows; every method runs under the one lock."""

    def __init__(self, key, issuer):
        self.lock = threading.Lock()
        self.key, self.issuer = key, issuer
        self.base_url = ""
        self.reset()

    def reset(self):
        self.settings = dict(DEFAULTS)
        self.devices = {}        # device_code -> dict
        self.codes = {}          # authorization code -> dict
        self.refresh_tokens = {} # refresh token -> dict(username, client_id, scope)
        self.browser = {"username": "dispatch@dealer.test", "deny": False}
        self.stats = {"token_requests": 0, "refresh_requests": 0, "device_polls": 0,
                      "refresh_times": [], "concurrent_max": 0, "in_flight": 0,
                      "device_requests": 0, "authorize_requests": 0, "last_authorize": {},
                      "tokens_issued": 0, "refresh_granted": 0, "errors": {}}

    # --- tokens -----------------------------------------------------------------------------

    def sign(self, claims, key=None):
        header = b64url_json({"alg": "HS256", "typ": "JWT"})
        body = b64url_json(claims)
        signature = hmac.new(key or self.key, (header + "." + body).encode(), hashlib.sha256)
        return header + "." + body + "." + b64url(signature.digest())

    def grant(self, username, client_id, scope, refresh_token=None):
        """A token reply. refresh_token: the one used (kept when rotation is off)."""
        now = int(time.time())
        lifetime = int(self.settings["access_lifetime"])
        claims = {"iss": self.issuer, "sub": username, "email": username, "aud": client_id,
                  "iat": now, "exp": now + lifetime, "scope": scope,
                  "jti": secrets.token_hex(8)}
        reply = {"access_token": self.sign(claims), "token_type": "Bearer",
                 "expires_in": lifetime, "scope": scope}
        if refresh_token is None or self.settings["rotate"]:
            if refresh_token is not None:
                self.refresh_tokens.pop(refresh_token, None)
            new = "rt-" + secrets.token_urlsafe(32)
            self.refresh_tokens[new] = {"username": username, "client_id": client_id,
                                        "scope": scope}
            reply["refresh_token"] = new
        if self.settings["id_token"]:
            reply["id_token"] = self.sign({"iss": self.issuer, "sub": username, "aud": client_id,
                                           "iat": now, "exp": now + lifetime,
                                           "preferred_username": username, "email": username})
        self.stats["tokens_issued"] += 1
        return reply

    # --- endpoints --------------------------------------------------------------------------

    def device(self, form):
        client_id = form.get("client_id", "")
        if not client_id:
            raise OAuthError("invalid_client", "client_id is missing", 401)
        self.check_secret(form)
        self.stats["device_requests"] += 1
        device_code = "dc-" + secrets.token_urlsafe(32)
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        user_code = "".join(secrets.choice(letters) for _ in range(8))
        user_code = user_code[:4] + "-" + user_code[4:]
        expires_in = int(self.settings["device_expires_in"])
        self.devices[device_code] = {
            "user_code": user_code, "client_id": client_id, "scope": form.get("scope", ""),
            "expires_at": time.time() + expires_in, "approved": None, "denied": False,
            "used": False}
        verify = self.base_url + "/verify"
        return {"device_code": device_code, "user_code": user_code, "verification_uri": verify,
                "verification_uri_complete": verify + "?user_code=" + user_code,
                "expires_in": expires_in, "interval": int(self.settings["interval"])}

    def check_secret(self, form):
        wanted = self.settings["client_secret"]
        if wanted and not hmac.compare_digest(form.get("client_secret", ""), wanted):
            raise OAuthError("invalid_client", "client authentication failed", 401)

    def token_fault(self):
        """The injected 5xx, counted before the grant is looked at. True: answer 503."""
        if self.settings["fail_5xx"] > 0:
            self.settings["fail_5xx"] -= 1
            return True
        return time.time() < float(self.settings["down_until"])

    def token(self, form):
        grant_type = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        if not client_id:
            raise OAuthError("invalid_client", "client_id is missing", 401)
        self.check_secret(form)
        if grant_type == DEVICE_GRANT:
            return self.device_token(form, client_id)
        if grant_type == "authorization_code":
            return self.code_token(form, client_id)
        if grant_type == "refresh_token":
            return self.refresh(form, client_id)
        raise OAuthError("unsupported_grant_type", "grant_type is not supported here")

    def device_token(self, form, client_id):
        device = self.devices.get(form.get("device_code", ""))
        if device is None or device["used"] or device["client_id"] != client_id:
            raise OAuthError("invalid_grant", "unknown or used device_code")
        if time.time() >= device["expires_at"]:
            raise OAuthError("expired_token", "the device code has expired")
        if device["denied"]:
            raise OAuthError("access_denied", "the user declined the request")
        if self.settings["slow_down"] > 0:
            self.settings["slow_down"] -= 1
            raise OAuthError("slow_down", "polling too fast")
        if device["approved"] is None:
            raise OAuthError("authorization_pending", "the user has not approved yet")
        if self.settings["pending"] > 0:
            self.settings["pending"] -= 1
            raise OAuthError("authorization_pending", "the user has not approved yet")
        device["used"] = True
        return self.grant(device["approved"], client_id, device["scope"])

    def code_token(self, form, client_id):
        code = self.codes.pop(form.get("code", ""), None)
        if code is None or code["client_id"] != client_id or time.time() > code["expires_at"]:
            raise OAuthError("invalid_grant", "unknown, used or expired authorization code")
        if form.get("redirect_uri", "") != code["redirect_uri"]:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization")
        verifier = form.get("code_verifier", "")
        if not verifier:
            raise OAuthError("invalid_request", "code_verifier is missing (PKCE)")
        challenge = b64url(hashlib.sha256(verifier.encode()).digest())
        if not hmac.compare_digest(challenge, code["code_challenge"]):
            raise OAuthError("invalid_grant", "code_verifier does not match code_challenge")
        return self.grant(code["username"], client_id, code["scope"])

    def refresh(self, form, client_id):
        error = self.settings["refresh_error"]
        if error:
            description = self.settings["refresh_error_description"] or (
                AADSTS70008 if error == "invalid_grant" else "injected " + error)
            raise OAuthError(error, description)
        token = form.get("refresh_token", "")
        entry = self.refresh_tokens.get(token)
        if entry is None or entry["client_id"] != client_id:
            raise OAuthError("invalid_grant", AADSTS70008)
        scope = form.get("scope") or entry["scope"]
        self.stats["refresh_granted"] += 1
        return self.grant(entry["username"], client_id, scope, refresh_token=token)

    def authorize(self, query):
        """Where /authorize redirects to: (status, location or error text)."""
        self.stats["authorize_requests"] += 1
        self.stats["last_authorize"] = {k: v for k, v in query.items()
                                        if k != "code_verifier"}
        redirect_uri = query.get("redirect_uri", "")
        parsed = urllib.parse.urlparse(redirect_uri)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return 400, "redirect_uri is missing or not absolute"
        state = query.get("state", "")
        if self.settings["wrong_state"]:
            state = "not-" + state
        params = {}
        if query.get("response_type") != "code" or not query.get("client_id"):
            params = {"error": "invalid_request",
                      "error_description": "response_type=code and client_id are required"}
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            params = {"error": "invalid_request",
                      "error_description": "PKCE with code_challenge_method=S256 is required"}
        elif self.browser["deny"]:
            params = {"error": "access_denied", "error_description": "the user declined"}
        else:
            code = "ac-" + secrets.token_urlsafe(32)
            self.codes[code] = {"client_id": query["client_id"], "redirect_uri": redirect_uri,
                                "code_challenge": query["code_challenge"],
                                "scope": query.get("scope", ""),
                                "username": self.browser["username"],
                                "expires_at": time.time() + 600}
            params = {"code": code}
        if state or self.settings["wrong_state"]:
            params["state"] = state
        joiner = "&" if parsed.query else "?"
        return 302, redirect_uri + joiner + urllib.parse.urlencode(params)

    # --- control ----------------------------------------------------------------------------

    def control(self, action, body):
        if action == "approve" or action == "deny":
            device = self.device_by_user_code(body.get("user_code", ""))
            if device is None:
                raise OAuthError("not_found", "no device authorization with that user_code", 404)
            if action == "approve":
                username = body.get("username", "")
                if not username:
                    raise OAuthError("invalid_request", "username is required")
                device["approved"] = username
            else:
                device["denied"] = True
            return {"ok": True}
        if action == "browser":
            if "username" in body:
                self.browser["username"] = str(body["username"])
            if "deny" in body:
                self.browser["deny"] = bool(body["deny"])
            return {"ok": True, "browser": dict(self.browser)}
        if action == "set":
            unknown = [k for k in body if k not in DEFAULTS]
            if unknown:
                raise OAuthError("invalid_request", "unknown settings: " + ", ".join(unknown))
            values = {}
            for k, v in body.items():
                kind = type(DEFAULTS[k])
                try:
                    if kind is bool:
                        values[k] = bool(v)
                    elif kind is str:
                        values[k] = "" if v is None else str(v)
                    else:
                        values[k] = float(v) if isinstance(v, float) else int(v)
                except (TypeError, ValueError):
                    raise OAuthError("invalid_request", "setting %s: not a number" % k)
            self.settings.update(values)  # all or nothing
            return {"ok": True, "settings": self.public_settings()}
        if action == "revoke":
            self.refresh_tokens.clear()
            return {"ok": True}
        if action == "reset":
            base_url = self.base_url
            self.reset()
            self.base_url = base_url
            return {"ok": True}
        if action == "mint":
            # An access token made to order, for tests of Dovecot's refusals: another signing
            # key ("forge"), another issuer, a lifetime (negative: already expired).
            username = body.get("username", "")
            if not username:
                raise OAuthError("invalid_request", "username is required")
            now = int(time.time())
            lifetime = int(body.get("lifetime", self.settings["access_lifetime"]))
            claims = {"iss": str(body.get("issuer", self.issuer)), "sub": username,
                      "email": username, "aud": str(body.get("client_id", "closeoutd-test")),
                      "iat": now if lifetime >= 0 else now + lifetime - 60,
                      "exp": now + lifetime, "scope": str(body.get("scope", ""))}
            key = secrets.token_bytes(32) if body.get("forge") else None
            return {"access_token": self.sign(claims, key), "expires_in": lifetime}
        if action == "expire_devices":
            for device in self.devices.values():
                device["expires_at"] = 0
            return {"ok": True}
        raise OAuthError("not_found", "unknown control action " + action, 404)

    def public_settings(self):
        s = dict(self.settings)
        s["client_secret"] = "set" if s["client_secret"] else ""
        return s

    def device_by_user_code(self, user_code):
        wanted = user_code.replace("-", "").upper()
        for device in self.devices.values():
            if device["user_code"].replace("-", "") == wanted:
                return device
        return None

    def stats_json(self):
        out = {k: v for k, v in self.stats.items() if k != "in_flight"}
        out["refresh_times"] = list(self.stats["refresh_times"])
        out["errors"] = dict(self.stats["errors"])
        out["settings"] = self.public_settings()
        out["live_refresh_tokens"] = len(self.refresh_tokens)
        return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "closeoutd-test-auth/1"
    timeout = 60  # a client that stalls mid-request frees its thread

    @property
    def state(self):
        return self.server.state

    def log_message(self, *args):  # request lines carry state and codes: never logged
        pass

    def reply(self, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Pragma", "no-cache")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error_reply(self, err):
        with self.state.lock:
            errors = self.state.stats["errors"]
            errors[err.error] = errors.get(err.error, 0) + 1
        body = {"error": err.error}
        if err.description:
            body["error_description"] = err.description
        headers = {"WWW-Authenticate": 'Basic realm="test"'} if err.status == 401 else None
        self.reply(err.status, body, headers=headers)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 1 << 20:
            raise OAuthError("invalid_request", "request body too large", 413)
        return self.rfile.read(length) if length else b""

    def read_form(self):
        body = self.read_body().decode("utf-8", "replace")
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise OAuthError("invalid_request",
                             "Content-Type must be application/x-www-form-urlencoded")
        form = {}
        for k, v in urllib.parse.parse_qsl(body, keep_blank_values=True):
            if k in form:
                raise OAuthError("invalid_request", "parameter " + k + " given twice")
            form[k] = v
        # RFC 6749 2.3.1: a client may authenticate with HTTP Basic instead of body fields.
        auth = self.headers.get("Authorization", "")
        if auth[:6].lower() == "basic ":
            try:
                pair = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
                client_id, _, secret = pair.partition(":")
            except ValueError:
                raise OAuthError("invalid_client", "malformed Basic authorization", 401)
            form.setdefault("client_id", urllib.parse.unquote_plus(client_id))
            form.setdefault("client_secret", urllib.parse.unquote_plus(secret))
        return form

    def do_GET(self):
        self.guarded(self.get)

    def do_POST(self):
        self.guarded(self.post)

    def guarded(self, handler):
        # A bug here must answer, not hang the client: a 500 in RFC 6749 shape, one line on stderr
        # naming the exception type only (its text could quote a request value).
        try:
            handler()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            raise
        except Exception as err:  # noqa: BLE001
            print("test_auth_server: internal error: %s" % type(err).__name__, file=sys.stderr)
            self.close_connection = True
            try:
                self.reply(500, {"error": "server_error", "error_description": "internal error"})
            except OSError:
                pass

    def get(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            if url.path == "/authorize":
                query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                with self.state.lock:
                    status, where = self.state.authorize(query)
                if status == 302:
                    self.reply(302, b"", "text/plain", {"Location": where})
                else:
                    self.reply(status, where.encode(), "text/plain; charset=utf-8")
            elif url.path == "/control/stats":
                with self.state.lock:
                    stats = self.state.stats_json()
                self.reply(200, stats)
            elif url.path == "/verify":
                self.reply(200, b"Enter the code shown by closeoutctl (tests approve through "
                                b"/control/approve).\n", "text/plain; charset=utf-8")
            else:
                raise OAuthError("not_found", "no such endpoint", 404)
        except OAuthError as err:
            self.error_reply(err)

    def post(self):
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == "/token":
                self.token()
            elif path == "/device":
                form = self.read_form()
                with self.state.lock:
                    reply = self.state.device(form)
                self.reply(200, reply)
            elif path.startswith("/control/"):
                raw = self.read_body()
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    raise OAuthError("invalid_request", "control bodies are JSON objects")
                if not isinstance(body, dict):
                    raise OAuthError("invalid_request", "control bodies are JSON objects")
                with self.state.lock:
                    reply = self.state.control(path[len("/control/"):], body)
                self.reply(200, reply)
            else:
                raise OAuthError("not_found", "no such endpoint", 404)
        except OAuthError as err:
            self.error_reply(err)

    def token(self):
        state = self.state
        with state.lock:
            state.stats["token_requests"] += 1
            state.stats["in_flight"] += 1
            state.stats["concurrent_max"] = max(state.stats["concurrent_max"],
                                                state.stats["in_flight"])
            delay = float(state.settings["delay"])
        try:
            # The request is read before the delay, so the client's POST is complete when the
            # server starts being slow (a slow answer, not a slow upload).
            form = self.read_form()
            if delay > 0:
                time.sleep(delay)
            with state.lock:
                grant_type = form.get("grant_type")
                if grant_type == DEVICE_GRANT:
                    state.stats["device_polls"] += 1
                elif grant_type == "refresh_token":
                    state.stats["refresh_requests"] += 1
                    state.stats["refresh_times"].append(time.time())
                fault = state.token_fault()
                reply = None if fault else state.token(form)
            if fault:
                self.reply(503, b"<html><body>503 Service Unavailable</body></html>",
                           "text/html", {"Retry-After": "1"})
            else:
                self.reply(200, reply)
        except OAuthError as err:
            self.error_reply(err)
        finally:
            with state.lock:
                state.stats["in_flight"] -= 1


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        # One line, no traceback: TLS handshakes that a test aborts on purpose are expected.
        err = sys.exc_info()[1]
        print("test_auth_server: connection error: %s" % type(err).__name__, file=sys.stderr)


def read_env(stack):
    env = {}
    with open(stack + "/env") as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v.strip('"')
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, help="a running scripts/mailstack directory")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    try:
        env = read_env(args.stack)
        cert = env["MAILSTACK_CA_FILE"]
        tls_key = env.get("MAILSTACK_TLS_KEY_FILE") or env["MAILSTACK_DIR"] + "/tls/key.pem"
        with open(env["OAUTH_JWT_KEY_FILE"], "rb") as f:
            key = f.read()
        issuer = env["OAUTH_ISSUER"]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, tls_key)
        server = Server(("127.0.0.1", args.port), Handler)
    except (OSError, KeyError, ssl.SSLError) as err:
        print("test_auth_server: cannot start: %s" % err, file=sys.stderr)
        return 2
    # The handshake happens in the request's thread (on first read), not in the accept loop.
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    server.state = State(key, issuer)
    port = server.server_address[1]
    server.state.base_url = "https://127.0.0.1:%d" % port

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening " + server.state.base_url, flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
