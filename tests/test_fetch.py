"""`jobmatch data fetch` against a local HTTP server on 127.0.0.1 serving zips made here."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobmatch_utils.cli import main
from jobmatch_utils.data import load_validation_set
from jobmatch_utils.errors import FetchError
from jobmatch_utils.fetch import fetch_talentclef


def taskA_zip(with_english_qrels: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("TaskA/validation/english/queries", "q_id\tjobtitle\n1\tnurse\n")
        archive.writestr("TaskA/validation/english/corpus_elements", "c_id\tjobtitle\n1\tRN\n2\tcook\n")
        if with_english_qrels:
            archive.writestr("TaskA/validation/english/qrels.tsv", "1\t0\t1\t1\n")
        archive.writestr("TaskA/training/german/taskA_training_de.tsv", "f\te\tLehrer\tLehrerin\n")
    return buffer.getvalue()


@pytest.fixture()
def server() -> Iterator[dict[str, bytes]]:
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    files["__base__"] = f"http://127.0.0.1:{httpd.server_address[1]}".encode()
    yield files
    httpd.shutdown()


def test_fetch_unpacks_a_loadable_taskA(server, tmp_path: Path) -> None:
    server["/TaskA.zip"] = taskA_zip()
    root = fetch_talentclef(tmp_path / "dest", url=server["__base__"].decode() + "/TaskA.zip")
    s = load_validation_set(root, "en")
    assert s.relevant == {"1": {"1"}} and (root / "training" / "german").is_dir()


def test_truncated_zip_is_rejected_and_nothing_is_unpacked(server, tmp_path: Path) -> None:
    server["/TaskA.zip"] = taskA_zip()[:-60]
    with pytest.raises(FetchError, match="not a complete zip"):
        fetch_talentclef(tmp_path / "dest", url=server["__base__"].decode() + "/TaskA.zip")
    assert not (tmp_path / "dest").exists()


def test_zip_without_the_layout_is_rejected(server, tmp_path: Path) -> None:
    server["/TaskA.zip"] = taskA_zip(with_english_qrels=False)
    with pytest.raises(FetchError, match="lacks"):
        fetch_talentclef(tmp_path / "dest", url=server["__base__"].decode() + "/TaskA.zip")


def test_offline_is_one_line_with_exit_2(tmp_path: Path, capsys) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["data", "fetch", "--dest", str(tmp_path / "d"), "--url", f"http://127.0.0.1:{port}/TaskA.zip"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: cannot download") and "offline?" in err[0]
