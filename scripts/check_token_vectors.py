#!/usr/bin/env python3
"""Checks docs/token-format.md's vectors with an independent implementation (Python's
`cryptography` for Ed25519, the standard library for HMAC and Base45), so a bug shared by the
Rust code and its own tests cannot hide."""
import hashlib
import hmac
import pathlib
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = n % 45, n // 45
        d, e = n % 45, n // 45
        out += [ALPHABET[c], ALPHABET[d], ALPHABET[e]]
    if len(data) % 2:
        c, d = data[-1] % 45, data[-1] // 45
        out += [ALPHABET[c], ALPHABET[d]]
    return "".join(out)


def main() -> int:
    doc = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "token-format.md").read_text()
    blocks = [b.split("```")[0] for b in doc.split("```text\n")[1:] if b.startswith("vector:")]
    assert len(blocks) == 2, "expected two vectors"
    for block in blocks:
        v = dict(line.split(": ", 1) for line in block.strip().splitlines())
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["signing_seed"]))
        raw = key.public_key().public_bytes_raw()
        assert raw.hex() == v["public_key"], "public key"
        body = struct.pack(">BQIBIIB", int(v["key_id"]), int(v["event"], 16), int(v["ticket"]),
                           int(v["ticket_type"]), int(v["valid_from"]), int(v["valid_until"]),
                           int(v["flags"], 16))
        sig = key.sign(b"ingia/ticket/v1\0" + body)
        token = bytes([0x10 if v["code"] == "-" else 0x11]) + body + sig
        if v["code"] != "-":
            step = int(v["now"]) // 30
            mac = hmac.new(bytes.fromhex(v["code_secret"]), struct.pack(">Q", step), hashlib.sha256).digest()
            off = mac[-1] & 0x0F
            code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 10**8
            assert step == int(v["step"]) and code == int(v["code"]), "rotating code"
            token += struct.pack(">II", step, code)
        assert token.hex() == v["bytes"], f"{v['vector']}: bytes"
        assert "INGIA:" + b45encode(token) == v["text"], f"{v['vector']}: text"
        print(f"token vector {v['vector']}: ok (independent Ed25519, HMAC-SHA-256, Base45)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
