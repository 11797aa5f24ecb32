#!/usr/bin/env python3
"""Standalone verifier for crossreg ledger proof bundles and checkpoints (docs/ledger.md).

One file, Python >= 3.11 standard library plus ``cryptography`` (for Ed25519). It needs no access to
the platform or its database: give it the files and, ideally, the log's public key obtained through
another channel (a published checkpoint, a letter from the log operator, a witness).

    python ledger_verify.py bundle BUNDLE.json [--key KEY]
        Checks the checkpoint signature, then each entry's hash, its subject and its inclusion proof
        against the signed root.

    python ledger_verify.py consistency OLD_CHECKPOINT.json NEW_CHECKPOINT.json PROOF.json [--key KEY]
        Checks both checkpoint signatures and that the newer checkpoint extends the older one
        (RFC 9162 consistency proof): nothing recorded before the old checkpoint was changed.

KEY is the Ed25519 public key: a PEM file, 64 hex characters, base64 of the 32 raw bytes, or a C2SP
verifier key ``name+keyid+base64``. Without --key the key inside the files is used, which proves
integrity only against that key; the output says so.

Exit codes: 0 every check passed; 1 a check failed (the output names it); 2 the input is unusable
(missing or unreadable file, not JSON, wrong format, missing field, bad key, bad usage); 3 an
unexpected internal error (a bug: please report it). The program never ends with a traceback.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
BUNDLE_FORMAT = "crossreg-ledger-bundle/1"
CHECKPOINT_FORMAT = "crossreg-ledger-checkpoint/1"
CONSISTENCY_FORMAT = "crossreg-ledger-consistency/1"


class InputError(Exception):
    """The input cannot be checked at all (exit 2)."""


class CheckFailed(Exception):
    """A verification check failed (exit 1)."""


# --- RFC 9162 Merkle tree ------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2. Raises CheckFailed with the reason."""
    if index < 0 or size <= 0 or index >= size:
        raise CheckFailed(f"leaf {index} cannot be in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise CheckFailed("the proof has more hashes than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise CheckFailed("the proof has too few hashes for the tree size (truncated proof)")
    return r


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2. Raises CheckFailed with the reason."""
    if old < 0 or new < 0:
        raise CheckFailed("negative tree size")
    if old > new:
        raise CheckFailed(f"the newer checkpoint ({new} entries) is smaller than the older one ({old})")
    if old == new:
        if proof:
            raise CheckFailed("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise CheckFailed("same size but different roots: the log has forked")
        return
    if old == 0:
        if proof:
            raise CheckFailed("a proof from the empty tree must be empty")
        return
    if not proof:
        raise CheckFailed("the consistency proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise CheckFailed("the consistency proof has more hashes than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise CheckFailed("the consistency proof has too few hashes (truncated proof)")
    if fr != old_root:
        raise CheckFailed("the proof does not lead to the older root: the new checkpoint does not extend it")
    if sr != new_root:
        raise CheckFailed("the proof does not lead to the newer root")


# --- input helpers -------------------------------------------------------------------------------


def load_json(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


def field(obj: Any, name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or name not in obj:
        raise InputError(f"{where}: missing field {name!r}")
    value = obj[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InputError(f"{where}: field {name!r} has the wrong type")
    return value


def hex_hash(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"{where}: expected a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise InputError(f"{where}: not hex") from exc
    if len(raw) != 32:
        raise InputError(f"{where}: a hash must be 32 bytes, got {len(raw)}")
    return raw


def b64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"{where}: expected base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"{where}: not base64") from exc


def parse_key(spec: str) -> bytes:
    """32 raw Ed25519 public-key bytes from a PEM file, hex, base64 or a C2SP verifier key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    spec = spec.strip()
    path = Path(spec)
    try:
        is_file = path.is_file()
    except OSError:
        is_file = False
    if is_file:
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError, TypeError) as exc:
            raise InputError(f"--key: {spec} is not a PEM public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise InputError(f"--key: {spec} is not an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    parts = spec.split("+", 2)  # C2SP verifier key: name+hexid+base64(0x01 ‖ key); names have no "+"
    if len(parts) == 3 and len(parts[1]) == 8 and all(c in "0123456789abcdef" for c in parts[1]):
        raw = b64(parts[2], "--key")
        if len(raw) != 33 or raw[0] != 1:
            raise InputError("--key: not an Ed25519 note verifier key")
        return raw[1:]
    if len(spec) == 64:
        try:
            return bytes.fromhex(spec)
        except ValueError:
            pass
    raw = b64(spec, "--key")
    if len(raw) != 32:
        raise InputError("--key: expected a PEM file, 64 hex characters or base64 of 32 bytes")
    return raw


def check_signature(text: str, signature: bytes, public: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True


class Report:
    def __init__(self, out: Any) -> None:
        self.out = out
        self.failed: list[str] = []

    def ok(self, name: str, detail: str = "") -> None:
        print(f"PASS {name}{': ' + detail if detail else ''}", file=self.out)

    def fail(self, name: str, reason: str) -> None:
        self.failed.append(name)
        print(f"FAIL {name}: {reason}", file=self.out)

    def note(self, text: str) -> None:
        print(f"NOTE {text}", file=self.out)


def read_checkpoint(cp: Any, where: str) -> tuple[str, int, bytes, str, bytes, bytes]:
    """(origin, size, root, text, signature, public key) of a checkpoint object; checks the text."""
    text = field(cp, "text", str, where)
    signature = b64(field(cp, "signature", str, where), f"{where}.signature")
    public = b64(field(cp, "public_key", str, where), f"{where}.public_key")
    lines = text.split("\n")
    if len(lines) < 5 or lines[-1] != "" or not lines[3].startswith("time ") or not lines[1].isdigit():
        raise InputError(f"{where}.text: not a crossreg checkpoint (origin, size, root, time lines)")
    root = b64(lines[2], f"{where}.text root line")
    if len(root) != 32:
        raise InputError(f"{where}.text: the root is not 32 bytes")
    return lines[0], int(lines[1]), root, text, signature, public


def check_checkpoint(
    cp: Any, where: str, report: Report, pinned: bytes | None
) -> tuple[str, int, bytes, bytes]:
    origin, size, root, text, signature, public = read_checkpoint(cp, where)
    if pinned is not None:
        if public != pinned:
            report.fail(
                f"{where} key", "signed with a different key than the one given with --key (wrong key)"
            )
        else:
            report.ok(f"{where} key", "matches --key")
    if check_signature(text, signature, pinned if pinned is not None else public):
        report.ok(f"{where} signature", f"Ed25519 over size {size}, root {root.hex()}")
    else:
        report.fail(f"{where} signature", "the Ed25519 signature does not verify")
    stated_size, stated_root = cp.get("size"), cp.get("root")
    if stated_size is not None and stated_size != size:
        report.fail(f"{where} size", f"field size {stated_size!r} differs from the signed size {size}")
    if stated_root is not None and stated_root != root.hex():
        report.fail(f"{where} root", "field root differs from the signed root")
    # The unsigned copies of signed fields must equal what was signed: a reader who trusts the copy
    # ("time", say) would otherwise read a value nobody signed.
    lines = text.split("\n")
    copies = {"origin": origin, "time": lines[3][5:]}
    for name, signed in copies.items():
        stated = cp.get(name)
        if stated is not None and stated != signed:
            report.fail(f"{where} {name}", f"field {name} {stated!r} differs from the signed {signed!r}")
    stated_format = cp.get("format")
    if stated_format is not None and stated_format != CHECKPOINT_FORMAT:
        report.fail(f"{where} format", f"field format {stated_format!r} is not {CHECKPOINT_FORMAT!r}")
    note = cp.get("signed_note")
    if note is not None:
        key_id = hashlib.sha256(origin.encode() + b"\n\x01" + public).digest()[:4]
        expected = f"{text}\n\u2014 {origin} {base64.b64encode(key_id + signature).decode()}\n"
        if note != expected:
            report.fail(
                f"{where} signed_note", "field signed_note differs from the signed text and signature"
            )
    token = cp.get("timestamp_token")
    if isinstance(token, str):
        report.note(
            f"{where} carries an RFC 3161 timestamp token; check it with "
            "`openssl ts -verify` against the timestamp authority's certificate"
        )
    return origin, size, root, public


# --- commands ------------------------------------------------------------------------------------


def verify_bundle(path: str, key: str | None, out: Any) -> int:
    bundle = load_json(path)
    report = Report(out)
    if bundle.get("format") != BUNDLE_FORMAT:
        raise InputError(f"{path}: format is {bundle.get('format')!r}, expected {BUNDLE_FORMAT!r}")
    pinned = parse_key(key) if key else None
    subject = field(bundle, "subject", dict, "bundle")
    subject_type = field(subject, "type", str, "bundle.subject")
    subject_id = field(subject, "id", str, "bundle.subject")
    origin, size, root, public = check_checkpoint(
        field(bundle, "checkpoint", dict, "bundle"), "checkpoint", report, pinned
    )
    if pinned is None:
        report.note(
            f"no --key given: checked against the key in the bundle ({public.hex()}); compare it with the published key"
        )
    entries = field(bundle, "entries", list, "bundle")
    if not entries:
        report.fail("entries", "the bundle holds no entries")
    seen: set[int] = set()
    for n, item in enumerate(entries):
        where = f"entries[{n}]"
        seq = field(item, "seq", int, where)
        text = field(item, "entry", str, where)
        proof = [hex_hash(h, f"{where}.proof") for h in field(item, "proof", list, where)]
        name = f"entry {seq}"
        data = text.encode("utf-8")
        leaf = leaf_hash(data)
        if "leaf_hash" in item and hex_hash(item["leaf_hash"], f"{where}.leaf_hash") != leaf:
            report.fail(
                f"{name} hash", "the entry text does not hash to its stated leaf hash (entry altered)"
            )
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            report.fail(f"{name} content", "the entry is not a JSON object")
        else:
            problems = []
            if body.get("seq") != seq:
                problems.append(f"its seq is {body.get('seq')!r}, the bundle says {seq}")
            about = {"type": subject_type, "id": subject_id}
            payload = body.get("payload")
            refs = payload.get("refs") if isinstance(payload, dict) else None
            if body.get("subject") != about and not (isinstance(refs, list) and about in refs):
                problems.append(
                    f"its subject is {body.get('subject')!r}, not the bundle's subject, and it does "
                    "not name the bundle's subject in payload.refs"
                )
            if seq in seen:
                problems.append("listed twice")
            if problems:
                report.fail(f"{name} content", "; ".join(problems))
            else:
                report.ok(f"{name} content", f"{body.get('time')} {body.get('actor')} {body.get('action')}")
        seen.add(seq)
        try:
            got = root_from_inclusion(seq, size, leaf, proof)
            if got != root:
                raise CheckFailed(
                    "the entry and its proof do not lead to the signed root (entry or proof altered)"
                )
            report.ok(f"{name} inclusion", f"{len(proof)} hashes to the root of size {size}")
        except CheckFailed as exc:
            report.fail(f"{name} inclusion", str(exc))
    return finish(report, f"bundle for {subject_type}:{subject_id} from log {origin!r}")


def verify_consistency_files(old_path: str, new_path: str, proof_path: str, key: str | None, out: Any) -> int:
    report = Report(out)
    old_cp, new_cp, proof_doc = load_json(old_path), load_json(new_path), load_json(proof_path)
    for path, doc, fmt in (
        (old_path, old_cp, CHECKPOINT_FORMAT),
        (new_path, new_cp, CHECKPOINT_FORMAT),
        (proof_path, proof_doc, CONSISTENCY_FORMAT),
    ):
        if doc.get("format") != fmt:
            raise InputError(f"{path}: format is {doc.get('format')!r}, expected {fmt!r}")
    pinned = parse_key(key) if key else None
    origin1, size1, root1, public1 = check_checkpoint(old_cp, "old checkpoint", report, pinned)
    origin2, size2, root2, public2 = check_checkpoint(new_cp, "new checkpoint", report, pinned)
    if pinned is None:
        if public1 != public2:
            report.fail("keys", "the two checkpoints are signed with different keys")
        report.note(
            "no --key given: checked against the keys in the files; compare them with the published key"
        )
    if origin1 != origin2:
        report.fail("origin", f"the checkpoints are of different logs ({origin1!r}, {origin2!r})")
    old_size = field(proof_doc, "old_size", int, "proof")
    new_size = field(proof_doc, "new_size", int, "proof")
    proof = [hex_hash(h, "proof.proof") for h in field(proof_doc, "proof", list, "proof")]
    if (old_size, new_size) != (size1, size2):
        report.fail(
            "proof sizes",
            f"the proof is for sizes {old_size}→{new_size}, the checkpoints are {size1}→{size2}",
        )
    try:
        verify_consistency(size1, size2, root1, root2, proof)
        report.ok("consistency", f"the tree of {size2} entries extends the tree of {size1}")
    except CheckFailed as exc:
        report.fail("consistency", str(exc))
    return finish(report, f"consistency {size1}→{size2} of log {origin2!r}")


def finish(report: Report, what: str) -> int:
    if report.failed:
        print(
            f"RESULT FAILED: {what}: {len(report.failed)} check(s) failed: {', '.join(report.failed)}",
            file=report.out,
        )
        return EXIT_FAILED
    print(f"RESULT OK: {what}", file=report.out)
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with a message, as documented
        raise InputError(f"usage: {message}")


def main(argv: Sequence[str] | None = None, out: Any = None) -> int:
    out = out or sys.stdout
    parser = _Parser(
        prog="ledger_verify.py", description="Verify crossreg ledger bundles and checkpoints offline."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bundle", help="verify a proof bundle")
    b.add_argument("bundle")
    b.add_argument("--key", help="the log's Ed25519 public key (PEM file, hex, base64 or note key)")
    c = sub.add_parser("consistency", help="verify that a newer checkpoint extends an older one")
    c.add_argument("old")
    c.add_argument("new")
    c.add_argument("proof")
    c.add_argument("--key", help="the log's Ed25519 public key")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command == "bundle":
            return verify_bundle(args.bundle, args.key, out)
        return verify_consistency_files(args.old, args.new, args.proof, args.key, out)
    except InputError as exc:
        print(f"ERROR unusable input: {exc}", file=out)
        return EXIT_INPUT
    except ImportError as exc:
        print(f"ERROR the `cryptography` package is needed: {exc}", file=out)
        return EXIT_INPUT
    except Exception as exc:  # never a traceback
        print(f"ERROR internal: {type(exc).__name__}: {exc}", file=out)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
