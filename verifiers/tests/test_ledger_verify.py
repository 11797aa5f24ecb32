"""The standalone verifier on good and bad input: it names the failed check and never crashes."""

from __future__ import annotations

import base64
import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crossreg.ledger import selectors, services
from crossreg.ledger.services import LedgerRecord, ledger_append_many
from verifiers import ledger_verify as v

pytestmark = pytest.mark.django_db

KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"


@pytest.fixture(autouse=True)
def _key(settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": KEY_HEX, "LEDGER_TSA_URL": ""}


def _public_hex() -> str:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(KEY_HEX)).public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def _fill(n: int) -> None:
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test",
                action="draw.step",
                subject_type="draw",
                subject_id=str(i % 3),
                payload={"i": i},
            )
            for i in range(n)
        ]
    )


def _bundle() -> dict[str, Any]:
    _fill(13)
    cp = services.checkpoint_create()
    return selectors.bundle_build(subject_type="draw", subject_id="1", checkpoint=cp)


def _run(tmp_path: Path, *args: str, **files: Any) -> tuple[int, str]:
    paths = {}
    for name, content in files.items():
        path = tmp_path / f"{name}.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        paths[name] = str(path)
    out = io.StringIO()
    code = v.main([paths.get(a, a) for a in args], out=out)
    return code, out.getvalue()


def test_a_good_bundle_passes_with_the_pinned_key(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "bundle", "b", "--key", _public_hex(), b=_bundle())
    assert code == v.EXIT_OK, out
    assert "PASS checkpoint signature" in out
    assert out.count("PASS entry") == 2 * 4  # entries 1, 4, 7, 10: content + inclusion
    assert "RESULT OK" in out


def test_without_a_key_it_says_the_key_came_from_the_bundle(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "bundle", "b", b=_bundle())
    assert code == v.EXIT_OK
    assert "NOTE no --key given" in out


@pytest.mark.parametrize("key_form", ["hex", "base64", "pem", "note"])
def test_key_forms(tmp_path: Path, key_form: str) -> None:
    raw = bytes.fromhex(_public_hex())
    public = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(KEY_HEX)).public_key()
    pem = tmp_path / "pub.pem"
    pem.write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    key = {
        "hex": raw.hex(),
        "base64": base64.b64encode(raw).decode(),
        "pem": str(pem),
        "note": "crossreg+01020304+" + base64.b64encode(b"\x01" + raw).decode(),
    }[key_form]
    code, out = _run(tmp_path, "bundle", "b", "--key", key, b=_bundle())
    assert code == v.EXIT_OK, out


def test_a_tampered_entry_fails_its_hash_and_inclusion(tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["entries"][1]["entry"] = bundle["entries"][1]["entry"].replace('"i":4', '"i":5')
    code, out = _run(tmp_path, "bundle", "b", "--key", _public_hex(), b=bundle)
    assert code == v.EXIT_FAILED
    assert "FAIL entry 4 hash" in out
    assert "FAIL entry 4 inclusion" in out
    assert "PASS entry 1 inclusion" in out


def test_a_tampered_entry_without_stated_leaf_hash_fails_inclusion(tmp_path: Path) -> None:
    bundle = _bundle()
    del bundle["entries"][0]["leaf_hash"]
    bundle["entries"][0]["entry"] = bundle["entries"][0]["entry"].replace("system:test", "system:tset")
    code, out = _run(tmp_path, "bundle", "b", b=bundle)
    assert code == v.EXIT_FAILED
    assert "FAIL entry 1 inclusion: the entry and its proof do not lead to the signed root" in out


def test_an_entry_moved_to_another_subject_fails_content(tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["subject"]["id"] = "2"
    code, out = _run(tmp_path, "bundle", "b", b=bundle)
    assert code == v.EXIT_FAILED
    assert "FAIL entry 1 content: its subject is" in out


def test_a_wrong_key_is_named(tmp_path: Path) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    other_hex = other.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    code, out = _run(tmp_path, "bundle", "b", "--key", other_hex, b=_bundle())
    assert code == v.EXIT_FAILED
    assert "FAIL checkpoint key: signed with a different key" in out
    assert "FAIL checkpoint signature" in out


def test_a_re_signed_checkpoint_with_a_substituted_key_fails_against_the_pinned_key(tmp_path: Path) -> None:
    bundle = _bundle()
    forger = Ed25519PrivateKey.generate()
    text = bundle["checkpoint"]["text"]
    bundle["checkpoint"]["signature"] = base64.b64encode(forger.sign(text.encode())).decode()
    bundle["checkpoint"]["public_key"] = base64.b64encode(
        forger.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()
    from crossreg.ledger.signing import signed_note

    bundle["checkpoint"]["signed_note"] = signed_note(  # a careful forger rewrites the copy too
        origin=bundle["checkpoint"]["origin"],
        text=text,
        signature=base64.b64decode(bundle["checkpoint"]["signature"]),
        public=base64.b64decode(bundle["checkpoint"]["public_key"]),
    )
    assert _run(tmp_path, "bundle", "b", b=bundle)[0] == v.EXIT_OK  # self-consistent …
    code, out = _run(tmp_path, "bundle", "b", "--key", _public_hex(), b=bundle)
    assert code == v.EXIT_FAILED  # … but not by the log's key
    assert "FAIL checkpoint key" in out


def test_a_checkpoint_with_an_edited_size_fails_the_signature(tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["checkpoint"]["text"] = bundle["checkpoint"]["text"].replace("\n13\n", "\n14\n")
    code, out = _run(tmp_path, "bundle", "b", b=bundle)
    assert code == v.EXIT_FAILED
    assert "FAIL checkpoint signature" in out


def test_a_truncated_proof_is_named(tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["entries"][2]["proof"] = bundle["entries"][2]["proof"][:-1]
    code, out = _run(tmp_path, "bundle", "b", b=bundle)
    assert code == v.EXIT_FAILED
    assert "FAIL entry 7 inclusion: the proof has too few hashes for the tree size (truncated proof)" in out


def _checkpoint_files() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    _fill(6)
    old = selectors.checkpoint_as_dict(services.checkpoint_create())
    _fill(11)
    new = selectors.checkpoint_as_dict(services.checkpoint_create())
    return old, new, selectors.consistency_as_dict(old=6, new=17)


def test_consistency_between_checkpoints(tmp_path: Path) -> None:
    old, new, proof = _checkpoint_files()
    code, out = _run(tmp_path, "consistency", "o", "n", "p", "--key", _public_hex(), o=old, n=new, p=proof)
    assert code == v.EXIT_OK, out
    assert "PASS consistency: the tree of 17 entries extends the tree of 6" in out


def test_a_checkpoint_that_does_not_extend_the_earlier_one_is_named(tmp_path: Path) -> None:
    """A forked log: the operator signs a second history of the first six entries."""
    old, new, proof = _checkpoint_files()
    from crossreg.ledger import signing

    forked_root = bytes(32)
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(KEY_HEX))
    text = old["text"].split("\n")
    text[2] = base64.b64encode(forked_root).decode()
    fork = copy.deepcopy(old)
    fork["text"] = "\n".join(text)
    fork["root"] = forked_root.hex()
    fork["signature"] = base64.b64encode(signing.sign(fork["text"], key)).decode()
    code, out = _run(tmp_path, "consistency", "o", "n", "p", o=fork, n=new, p=proof)
    assert code == v.EXIT_FAILED
    assert "PASS old checkpoint signature" in out
    assert (
        "FAIL consistency: the proof does not lead to the older root: the new checkpoint does not extend it"
        in out
    )


def test_checkpoints_given_in_the_wrong_order_are_named(tmp_path: Path) -> None:
    old, new, proof = _checkpoint_files()
    code, out = _run(tmp_path, "consistency", "n", "o", "p", o=old, n=new, p=proof)
    assert code == v.EXIT_FAILED
    assert "FAIL proof sizes" in out
    assert "FAIL consistency: the newer checkpoint (6 entries) is smaller than the older one (17)" in out


def test_a_truncated_consistency_proof_is_named(tmp_path: Path) -> None:
    old, new, proof = _checkpoint_files()
    proof["proof"] = proof["proof"][:-1]
    code, out = _run(tmp_path, "consistency", "o", "n", "p", o=old, n=new, p=proof)
    assert code == v.EXIT_FAILED
    assert "FAIL consistency" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not JSON"),
        ("[]", "expected a JSON object"),
        ('{"format": "something/else"}', "expected 'crossreg-ledger-bundle/1'"),
        ('{"format": "crossreg-ledger-bundle/1"}', "missing field 'subject'"),
        ("\udcff", "cannot read"),
    ],
)
def test_unusable_bundles_exit_2_with_a_message(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    out = io.StringIO()
    assert v.main(["bundle", str(path)], out=out) == v.EXIT_INPUT
    assert expected in out.getvalue()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b["entries"][0].update(proof=["zz"]), "not hex"),
        (lambda b: b["entries"][0].update(proof=["00" * 31]), "must be 32 bytes"),
        (lambda b: b["entries"][0].update(seq="1"), "wrong type"),
        (lambda b: b["checkpoint"].update(signature="***"), "not base64"),
        (lambda b: b["checkpoint"].update(text="hello"), "not a crossreg checkpoint"),
        (lambda b: b.update(entries={}), "wrong type"),
    ],
)
def test_malformed_fields_exit_2(tmp_path: Path, mutate: Any, expected: str) -> None:
    bundle = _bundle()
    mutate(bundle)
    code, out = _run(tmp_path, "bundle", "b", b=bundle)
    assert code == v.EXIT_INPUT, out
    assert expected in out


def test_missing_file_bad_key_and_bad_usage_exit_2(tmp_path: Path) -> None:
    out = io.StringIO()
    assert v.main(["bundle", str(tmp_path / "nope.json")], out=out) == v.EXIT_INPUT
    assert v.main(["frobnicate"], out=out) == v.EXIT_INPUT
    assert v.main([], out=out) == v.EXIT_INPUT
    code, text = _run(tmp_path, "bundle", "b", "--key", "not-a-key", b=_bundle())
    assert code == v.EXIT_INPUT
    assert "--key" in text


def test_the_verifier_imports_nothing_but_stdlib_and_cryptography() -> None:
    import ast
    import sys

    source = Path(v.__file__).read_text(encoding="utf-8")
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules - set(sys.stdlib_module_names) == {"cryptography"}


def test_the_verifier_runs_as_a_script(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "b.json"
    path.write_text(json.dumps(_bundle()), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-I", v.__file__, "bundle", str(path), "--key", _public_hex()],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "RESULT OK" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize("name", ["format", "origin", "time", "signed_note"])
def test_a_flipped_byte_in_an_unsigned_copy_of_a_checkpoint_field_fails(tmp_path: Path, name: str) -> None:
    bundle = _bundle()
    value = bundle["checkpoint"][name]
    i = len(value) // 2
    bundle["checkpoint"][name] = value[:i] + chr(ord(value[i]) ^ 1) + value[i + 1 :]
    code, out = _run(tmp_path, "bundle", "b", "--key", _public_hex(), b=bundle)
    assert code == v.EXIT_FAILED, out
    assert f"FAIL checkpoint {name}" in out
