"""A small SAML 2.0 identity provider for the tests: it reads the service provider's
AuthnRequest and answers with a Response whose Assertion it signs (RSA-SHA256, exclusive C14N,
enveloped signature) with a key and self-signed certificate made for the run.

It is only as much of an IdP as a sign-in needs, but everything the service provider checks is
real: the signature over the assertion, the issuer, audience, recipient, InResponseTo and the
validity window. ``serve()`` also answers over HTTP (the HTTP-Redirect binding in, an HTML form
that posts the response out) for the browser test.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import threading
import uuid
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"


def make_key_and_certificate(common_name: str) -> tuple[str, str]:
    """An RSA key and a self-signed certificate for it, both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class AuthnRequest:
    id: str
    acs_url: str
    issuer: str


@dataclass
class SAMLIdentityProvider:
    entity_id: str = "https://idp.toshima.example/saml"
    sso_url: str = "https://idp.toshima.example/saml/sso"
    key_pem: str = ""
    certificate_pem: str = ""
    # What the next sign-in asserts (the person at the IdP's login screen).
    name_id: str = "idp-user-1"
    attributes: dict[str, list[str]] = field(default_factory=dict)
    requests: list[AuthnRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.key_pem:
            self.key_pem, self.certificate_pem = make_key_and_certificate("idp.toshima.example")

    # -- the service provider's request -------------------------------------------------------

    def read_request(self, redirect_url: str) -> tuple[AuthnRequest, str | None]:
        """The AuthnRequest and RelayState of the SP's HTTP-Redirect binding URL."""
        query = parse_qs(urlsplit(redirect_url).query)
        xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)
        root = etree.fromstring(xml)
        issuer = root.findtext(f"{{{SAML}}}Issuer") or ""
        request = AuthnRequest(root.get("ID"), root.get("AssertionConsumerServiceURL"), issuer)
        self.requests.append(request)
        return request, query.get("RelayState", [None])[0]

    # -- the answer ---------------------------------------------------------------------------

    def response_xml(
        self,
        request: AuthnRequest | None,
        *,
        acs_url: str | None = None,
        audience: str | None = None,
        sign: bool = True,
        signing_key_pem: str | None = None,
        signing_certificate_pem: str | None = None,
        lifetime: dt.timedelta = dt.timedelta(minutes=5),
        issued: dt.datetime | None = None,
    ) -> bytes:
        """A Response with one Assertion, signed unless ``sign`` is false.

        ``request`` None makes an IdP-initiated response (no InResponseTo).
        """
        now = issued or dt.datetime.now(dt.UTC)
        destination = acs_url or request.acs_url
        audience = audience or (request.issuer if request else "")
        in_response_to = f' InResponseTo="{request.id}"' if request else ""
        attributes = "".join(
            f'<saml:Attribute Name="{html.escape(name)}" '
            'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">'
            + "".join(
                f'<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">'
                f"{html.escape(value)}</saml:AttributeValue>"
                for value in values
            )
            + "</saml:Attribute>"
            for name, values in self.attributes.items()
        )
        assertion_id = f"_a{uuid.uuid4().hex}"
        assertion = (
            f'<saml:Assertion xmlns:saml="{SAML}" ID="{assertion_id}" Version="2.0" '
            f'IssueInstant="{_instant(now)}">'
            f"<saml:Issuer>{self.entity_id}</saml:Issuer>"
            "<saml:Subject>"
            '<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
            f"{html.escape(self.name_id)}</saml:NameID>"
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{_instant(now + lifetime)}" '
            f'Recipient="{destination}"{in_response_to}/>'
            "</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{_instant(now - dt.timedelta(minutes=1))}" '
            f'NotOnOrAfter="{_instant(now + lifetime)}">'
            f"<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience>"
            "</saml:AudienceRestriction></saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{_instant(now)}" '
            f'SessionIndex="_s{uuid.uuid4().hex}">'
            "<saml:AuthnContext><saml:AuthnContextClassRef>"
            "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor"
            "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
            f"<saml:AttributeStatement>{attributes}</saml:AttributeStatement>"
            "</saml:Assertion>"
        )
        if sign:
            assertion = OneLogin_Saml2_Utils.add_sign(
                assertion,
                signing_key_pem or self.key_pem,
                signing_certificate_pem or self.certificate_pem,
                sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
                digest_algorithm=OneLogin_Saml2_Constants.SHA256,
            ).decode()
        return (
            f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" '
            f'ID="_r{uuid.uuid4().hex}" Version="2.0" IssueInstant="{_instant(now)}" '
            f'Destination="{destination}"{in_response_to}>'
            f"<saml:Issuer>{self.entity_id}</saml:Issuer>"
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
            f"</samlp:Status>{assertion}</samlp:Response>"
        ).encode()

    @staticmethod
    def encode(response_xml: bytes) -> str:
        return base64.b64encode(response_xml).decode()

    # -- over HTTP, for a browser -------------------------------------------------------------

    def serve(self) -> _RunningIdP:
        return _RunningIdP(self)


class _RunningIdP:
    """The IdP's single sign-on URL on 127.0.0.1: it answers the redirect with a page whose
    form posts the signed response to the SP (the HTTP-POST binding), as real IdPs do."""

    def __init__(self, idp: SAMLIdentityProvider) -> None:
        self.idp = idp
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                request, relay_state = outer.idp.read_request(self.path)
                response = outer.idp.encode(outer.idp.response_xml(request))
                relay = (
                    f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
                    if relay_state
                    else ""
                )
                body = (
                    "<!doctype html><html lang='ja'><title>IdP</title><body>"
                    f'<form method="post" action="{html.escape(request.acs_url)}">'
                    f'<input type="hidden" name="SAMLResponse" value="{response}">{relay}'
                    '<button type="submit" id="continue">続ける</button></form></body></html>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sso"
        idp.sso_url = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _RunningIdP:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
