"""Signatures and encryption of WeChat's pushes (消息加解密说明).

Plaintext mode: ``signature`` = sha1 of the sorted (token, timestamp, nonce). Safe and
compatible mode add ``encrypt_type=aes`` and ``msg_signature`` = sha1 of the sorted (token,
timestamp, nonce, Encrypt); the message is the AES-decrypted Encrypt and the reply must be
encrypted the same way. The URL check (GET with ``echostr``) is plain in every mode.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import Mapping, Optional
from xml.parsers.expat import ExpatError

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

AES_KEY_LENGTH = 43  # EncodingAESKey, as the WeChat console shows it


class SignatureError(Exception):
    """The request was not signed with our token (or cannot be read): refuse it."""


@dataclass(frozen=True)
class Envelope:
    """One verified push: the message XML and how to seal the reply."""

    xml: str
    encrypted: bool
    nonce: str


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _matches(expected: str, given: Optional[str]) -> bool:
    return bool(given) and hmac.compare_digest(expected, given.lower())


class WeChatCodec:
    """Checks and opens WeChat's pushes for one account; seals the replies."""

    def __init__(self, token: str, encoding_aes_key: str = "", appid: str = "") -> None:
        if encoding_aes_key and len(encoding_aes_key) != AES_KEY_LENGTH:
            raise ValueError(f"encoding_aes_key must have {AES_KEY_LENGTH} characters "
                             f"(the EncodingAESKey of the WeChat console)")
        if encoding_aes_key and not appid:
            raise ValueError("safe mode (encoding_aes_key) needs the account's appid")
        self._token = token
        self._crypto = WeChatCrypto(token, encoding_aes_key, appid) if encoding_aes_key else None

    def check_url(self, args: Mapping[str, str]) -> Optional[str]:
        """The echostr to answer WeChat's URL check with, or None if the signature is wrong."""
        if not self._signed(args) or "echostr" not in args:
            return None
        return args["echostr"]

    def open(self, body: bytes, args: Mapping[str, str]) -> Envelope:
        """The message XML of a signed push (decrypted in safe mode). Raises SignatureError."""
        nonce = args.get("nonce", "")
        if (args.get("encrypt_type") or "raw").lower() == "raw":
            if not self._signed(args):
                raise SignatureError("bad signature")
            return Envelope(_text(body), encrypted=False, nonce=nonce)
        if args.get("encrypt_type", "").lower() != "aes" or self._crypto is None:
            raise SignatureError(f"encrypt_type={args.get('encrypt_type')!r} but no EncodingAESKey set")
        try:
            xml = self._crypto.decrypt_message(_text(body), args.get("msg_signature", ""),
                                               args.get("timestamp", ""), nonce)
        except InvalidSignatureException:
            raise SignatureError("bad msg_signature") from None
        except (InvalidAppIdException, KeyError, TypeError, ValueError, binascii.Error, struct.error,
                IndexError, ExpatError) as error:
            raise SignatureError(f"cannot decrypt: {type(error).__name__}") from None
        return Envelope(xml, encrypted=True, nonce=nonce)

    def seal(self, xml: str, envelope: Envelope) -> str:
        """The reply body: ``xml`` itself, or encrypted and signed when the push was."""
        if not envelope.encrypted or self._crypto is None:
            return xml
        return self._crypto.encrypt_message(xml, envelope.nonce)

    def _signed(self, args: Mapping[str, str]) -> bool:
        expected = sign(self._token, args.get("timestamp", ""), args.get("nonce", ""))
        return bool(self._token) and _matches(expected, args.get("signature"))


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureError("the body is not UTF-8") from None
