"""Certificates for the simulated cluster, laid out as minikube and kind issue them: a cluster
CA, a serving certificate for 127.0.0.1/localhost and a client certificate whose CN is the
user and whose O entries are its groups."""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=365)


@dataclass(frozen=True)
class TlsMaterial:
    ca_pem: bytes
    server_cert_pem: bytes
    server_key_pem: bytes
    client_cert_pem: bytes
    client_key_pem: bytes

    def server_context(self) -> ssl.SSLContext:
        """Serves HTTPS and asks for (but does not demand) a client certificate, so bearer
        token clients can connect too."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(cadata=self.ca_pem.decode())
        with tempfile.TemporaryDirectory(prefix="kubedeck-tls-") as tmp:
            cert, key = os.path.join(tmp, "tls.crt"), os.path.join(tmp, "tls.key")
            with open(cert, "wb") as f:
                f.write(self.server_cert_pem)
            with open(key, "wb") as f:
                f.write(self.server_key_pem)
            ctx.load_cert_chain(cert, key)
        return ctx


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def _name(cn: str, orgs: tuple[str, ...] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _issue(subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
           issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool,
           usage: tuple = (), sans: list | None = None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + _VALIDITY)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=True, content_commitment=False, key_encipherment=not ca,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                   encipher_only=False, decipher_only=False), critical=True))
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usage)), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def generate(user: str = "kubedeck-user",
             groups: tuple[str, ...] = ("system:masters",)) -> TlsMaterial:
    ca_key = _key()
    ca_name = _name("kubedeckCA")
    ca = _issue(ca_name, ca_key, ca_name, ca_key, ca=True)
    server_key = _key()
    server = _issue(_name("kubedeck-sim"), server_key, ca_name, ca_key, ca=False,
                    usage=(ExtendedKeyUsageOID.SERVER_AUTH,),
                    sans=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                          x509.DNSName("localhost"), x509.DNSName("kubernetes")])
    client_key = _key()
    client = _issue(_name(user, groups), client_key, ca_name, ca_key, ca=False,
                    usage=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    pem = serialization.Encoding.PEM
    return TlsMaterial(ca.public_bytes(pem), server.public_bytes(pem), _key_pem(server_key),
                       client.public_bytes(pem), _key_pem(client_key))


def peer_identity(cert: dict | None) -> tuple[str, tuple[str, ...]] | None:
    """(user, groups) from a verified peer certificate as ssl.getpeercert() returns it."""
    if not cert:
        return None
    user, groups = "", []
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                user = value
            elif key == "organizationName":
                groups.append(value)
    return (user, tuple(groups)) if user else None
