"""``next`` tokens: opaque, authenticated, and good only for the caller they were issued to.

A TAXII ``next`` token names the keyset position after the last row of a page
(``added_at`` and the store's insertion sequence ``added_seq``). Handed out
readable, that position tells a partner things it may not learn: the global
sequence counts rows it cannot see (issue 9, finding 10), and a token the
partner writes itself, naming a hidden row, could make the answer depend on
whether that row exists. So a token is sealed with AES-256-GCM:

* the position is encrypted, so the caller learns nothing from the token;
* the caller's identity (``kind:id``) is the associated data, so a token
  issued to one caller fails authentication for any other;
* anything the server did not issue — forged, edited, truncated, replayed by
  someone else, or sealed under another key — fails the same single check and
  gets the same 400, whatever rows exist. The server never looks a row up to
  interpret a token, so no answer can depend on hidden rows.

The key is derived (HMAC-SHA256 with a fixed label) from the secret in
``TEARLINE_TAXII_SECRET``, else ``TEARLINE_CONSOLE_SECRET``, else the instance
secret drawn once and kept in the database (``security.instance``), so tokens
stay good across restarts and between workers over one database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tearline.security.instance import process_secret
from tearline.share.policy import Principal

from ._media import TaxiiError

_LABEL = b"tearline taxii next-token v1"
_VERSION = b"\x01"
_NONCE = 12
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_POSITION = struct.Struct(">qq")  # microseconds since 0001-01-01, added_seq
#: Longest token accepted: a sealed position is 1 + 12 + 16 + 16 bytes, 60 characters.
MAX_TOKEN = 120


def _key() -> bytes:
    # Where the key comes from is ``security.instance`` (issue 9 follow-up): the
    # environment, else the instance secret stored in the database.
    secret = process_secret("TEARLINE_TAXII_SECRET", "TEARLINE_CONSOLE_SECRET")
    return hmac.new(secret, _LABEL, hashlib.sha256).digest()


def _caller(who: Principal) -> bytes:
    return f"{who.kind.value}:{who.id}".encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def seal(who: Principal, at: datetime, seq: int) -> str:
    """The token for the position after (``at``, ``seq``), good only for ``who``."""
    micros = (at.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)
    key, plain, aad = _key(), _POSITION.pack(micros, seq), _VERSION + _caller(who)
    nonce_key = hmac.new(key, b"nonce", hashlib.sha256).digest()
    # A synthetic nonce (a MAC of everything sealed) makes the token deterministic,
    # so the same page asked twice answers the same; distinct positions or callers
    # get distinct nonces, which is all GCM needs.
    nonce = hmac.new(nonce_key, aad + b"\x00" + plain, hashlib.sha256).digest()[:_NONCE]
    return _b64(_VERSION + nonce + AESGCM(key).encrypt(nonce, plain, aad))


def bad_token() -> TaxiiError:
    """The one answer to every token this server did not issue to this caller."""
    return TaxiiError(400, "Bad next token", "the next token was not issued to you by this "
                      "server, or the server's key changed; start the read again without it")


def open_token(who: Principal, token: str) -> tuple[datetime, int]:
    """The (``added_at``, ``added_seq``) a token of ``who``'s stands for, or ``bad_token()``."""
    if not token or len(token) > MAX_TOKEN:
        raise bad_token()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise bad_token() from exc
    if len(raw) < 1 + _NONCE + 16 or raw[:1] != _VERSION:
        raise bad_token()
    try:
        plain = AESGCM(_key()).decrypt(raw[1:1 + _NONCE], raw[1 + _NONCE:],
                                       _VERSION + _caller(who))
        micros, seq = _POSITION.unpack(plain)
        return _EPOCH + timedelta(microseconds=micros), seq
    except (InvalidTag, struct.error, OverflowError) as exc:
        raise bad_token() from exc
