"""The Salesforce stand-in's HTTP side: HTTPS on 127.0.0.1 with a certificate made for the test run
(simple-salesforce builds every URL as https://), each request recorded as an Exchange.

The client trusts the certificate through REQUESTS_CA_BUNDLE, which `requests` reads on every request
when nothing else is configured (tests/salesforce_fixtures.py sets it): no code path of the product
changes for the tests.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import tempfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.sandbox.served import local_server, read_request, reply


@dataclass
class Exchange:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0
    route: str | None = None  # which of the stand-in's routes answered (None: none did)
    response_headers: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


def certificate() -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (the stand-in's two login hosts, production's and
    a sandbox's), and its key, written to a fresh temporary folder."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "salesforce-stand-in")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="salesforce-stand-in-"))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


def https_server(stand_in) -> tuple[ThreadingHTTPServer, Path]:
    """A server answering through `stand_in.answer(exchange) -> (status, body, headers)`; and its cert."""
    cert, key = certificate()
    server = local_server(handler_for(stand_in))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server, cert


def handler_for(stand_in):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            url, headers, raw = read_request(self)
            exchange = Exchange(self.command, url.path, parse_qs(url.query), headers, raw)
            status, body, extra = stand_in.answer(exchange)
            payload = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
            exchange.status, exchange.response_headers = status, extra
            as_json = body is not None and not isinstance(body, bytes)
            reply(self, status, payload, "application/json;charset=UTF-8" if as_json else None, extra)

        do_GET = do_POST = do_PATCH = do_DELETE = _any  # noqa: N815

        def log_message(self, *args) -> None:
            return

    return Handler
