"""Shared set-up for the kernel tests: installs the kernelspec of the binary under test
(POLYICL_BIN, default .build/release/polyicl) into a temporary prefix and points
JUPYTER_PATH at it, so nothing is written to the user's own Jupyter directories."""
import atexit
import hashlib
import hmac
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import uuid
from datetime import datetime, timezone

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = os.environ.get("POLYICL_BIN", str(ROOT / ".build/release/polyicl"))
KERNEL_NAME = "polyicl"


def _install() -> pathlib.Path:
    prefix = pathlib.Path(tempfile.mkdtemp(prefix="polyicl-kernelspec-"))
    atexit.register(shutil.rmtree, prefix, ignore_errors=True)
    subprocess.run([BIN, "install", "--prefix", str(prefix)], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share/jupyter")
    return prefix / "share/jupyter/kernels" / KERNEL_NAME


KERNELSPEC_DIR = _install()


def sign(key: bytes, parts: list[bytes]) -> bytes:
    h = hmac.new(key, digestmod=hashlib.sha256)
    for p in parts:
        h.update(p)
    return h.hexdigest().encode()


def wire_message(key: bytes, msg_type: str, content: dict, session: str = "test") -> list[bytes]:
    """Frames of a request as a client sends them on a DEALER socket (no routing ids)."""
    header = {
        "msg_id": uuid.uuid4().hex,
        "session": session,
        "username": "test",
        "date": datetime.now(timezone.utc).isoformat(),
        "msg_type": msg_type,
        "version": "5.4",
    }
    parts = [json.dumps(x).encode() for x in (header, {}, {}, content)]
    return [b"<IDS|MSG>", sign(key, parts)] + parts


def parse_reply(frames: list[bytes]) -> dict:
    i = frames.index(b"<IDS|MSG>")
    return {
        "header": json.loads(frames[i + 2]),
        "parent_header": json.loads(frames[i + 3]),
        "content": json.loads(frames[i + 5]),
    }
