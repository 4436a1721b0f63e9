#!/usr/bin/env python3
"""A real SMTP server for the e-mail channel tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1, optionally with STARTTLS (required) or implicit TLS and with AUTH (PLAIN/LOGIN,
required, only over TLS). Each accepted message is written to --out as N.eml (the DATA bytes exactly as
received) with N.json (envelope: mail_from, rcpt_tos, authenticated login, whether TLS was on).
--reply STAGE=CODE TEXT makes the server answer CODE at that stage (mail, rcpt, data) instead of accepting.
Prints "READY <port>" once it listens; stops on SIGTERM or when stdin closes.
"""
import argparse, asyncio, json, os, signal, ssl, sys, threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth", help="user:password required from clients")
    p.add_argument("--out", required=True)
    p.add_argument("--reply", action="append", default=[], help="stage=CODE text, stage in mail, rcpt, data")
    a = p.parse_args()
    replies = {}
    for r in a.reply:
        stage, text = r.split("=", 1)
        replies[stage] = text
    os.makedirs(a.out, exist_ok=True)
    counter = {"n": 0}
    lock = threading.Lock()

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            if "mail" in replies:
                return replies["mail"]
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if "rcpt" in replies:
                return replies["rcpt"]
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if "data" in replies:
                return replies["data"]
            with lock:
                counter["n"] += 1
                n = counter["n"]
            base = os.path.join(a.out, str(n))
            with open(base + ".eml", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
            tls = session.ssl is not None or a.tls == "implicit"
            with open(base + ".json.tmp", "w") as f:
                json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "login": login,
                           "tls": tls}, f)
            os.replace(base + ".json.tmp", base + ".json")
            return "250 Message accepted for delivery"

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, password = a.auth.split(":", 1)
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    kwargs = {}
    ctx = None
    if a.tls != "none":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
    if a.tls == "starttls":
        kwargs.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls: with implicit TLS the session is encrypted from
        # the start, so the requirement is switched off there (it would hide AUTH from EHLO).
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=(a.tls == "starttls"))
    controller = Controller(Handler(), hostname="127.0.0.1", port=a.port,
                            ssl_context=ctx if a.tls == "implicit" else None,
                            server_hostname="localhost", ident="promoter-test-smtpd", **kwargs)
    controller.start()
    print(f"READY {a.port}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
