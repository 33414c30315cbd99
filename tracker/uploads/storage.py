"""Where the bytes of stored files are kept: a local folder (the default), or a bucket of an
S3-compatible object storage when several app servers must reach the same files.

`STORAGE_URL` chooses, once per app (checked when the app starts):

    unset                                       the folder UPLOAD_FOLDER (<instance>/uploads)
    s3://BUCKET/PREFIX?endpoint=URL&region=R    objects PREFIX/ab/cd/<sha256> in BUCKET; endpoint
                                                for a server other than AWS (MinIO, SeaweedFS,
                                                Ceph...), region when it needs one

The credentials come from where every AWS client looks for them (AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role), never from the URL.

Both kinds keep the same promises, which services.py relies on: a file is named by the SHA-256
of its content, written once, and a reader never sees half of it (a folder renames a complete
temporary file into place; an S3 PUT makes an object appear whole, and the server checks the
SHA-256 it is sent with). A file that is not kept raises FileNotFoundError; storage that cannot
be reached raises StorageUnavailable (an OSError), which pages and the API answer with 503.
"""

import hashlib
import logging
import os
import re
import tempfile
import threading
import uuid
from base64 import b64encode
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, urlsplit

from flask import Flask

log = logging.getLogger("tracker.storage")

SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024


class StorageUnavailable(OSError):
    """The storage cannot keep or send files just now (an object storage that does not answer,
    refuses the credentials, or has no such bucket; a folder that cannot be written)."""


def check_digest(sha256: str) -> str:
    if not SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return sha256


def _spool(chunks: Iterable[bytes], file: BinaryIO) -> str:
    """Write `chunks` to `file`; the SHA-256 of what was written."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        file.write(chunk)
    return digest.hexdigest()


def _wrong_content(sha256: str, actual: str) -> ValueError:
    return ValueError(f"the content's SHA-256 is {actual}, not {sha256}")


class LocalFolder:
    """Files in a folder of this machine: <folder>/ab/cd/<sha256>."""

    def __init__(self, folder: Path, static_folder: str | None = None):
        self.folder = folder.resolve()
        if static_folder and self.folder.is_relative_to(Path(static_folder).resolve()):
            raise RuntimeError("UPLOAD_FOLDER must not be inside the static folder.")

    def __str__(self) -> str:
        return f"the folder {self.folder}"

    def path(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.folder / sha256[:2] / sha256[2:4] / sha256

    def digests(self) -> Iterator[str]:
        for path in sorted(self.folder.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
            name = path.name
            if SHA256.fullmatch(name) and path.parent.name == name[2:4] and path.is_file():
                if path.parent.parent.name == name[:2]:
                    yield name

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def read(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise
        except OSError as error:  # a folder the app may not read, a disk that fails
            raise StorageUnavailable(f"{self} cannot send the file ({error})") from error

    def keep(self, sha256: str, chunks: Iterable[bytes]) -> bool:
        path = self.path(sha256)
        with suppress(FileNotFoundError), path.open("rb") as kept:
            if hashlib.file_digest(kept, "sha256").hexdigest() == sha256:
                return False
        with self._writing(path) as file:
            actual = _spool(chunks, file)
            if actual != sha256:
                raise _wrong_content(sha256, actual)
        return True

    def write_once(self, sha256: str, data: bytes) -> None:
        path = self.path(sha256)
        if path.is_file() and path.stat().st_size == len(data):
            return  # the name is the content's hash: the same bytes are kept already
        try:
            with self._writing(path) as file:
                file.write(data)
        except OSError as error:  # a full disk, a folder the app may not write to
            raise StorageUnavailable(f"{self} cannot keep the file ({error})") from error

    @contextmanager
    def _writing(self, path: Path) -> Iterator[BinaryIO]:
        """A temporary file beside `path`, renamed to it once the block has written it all."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                yield file
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def check_writable(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".ready-") as probe:
            probe.write(b"ready")
            probe.flush()
            probe.seek(0)
            if probe.read() != b"ready":
                raise OSError(f"{self.folder} gave back other bytes than were written")


_SESSION_LOCK = threading.Lock()
_session = None


class S3Bucket:
    """Objects in a bucket of an S3-compatible object storage: <prefix>/ab/cd/<sha256>."""

    def __init__(
        self, bucket: str, prefix: str = "", endpoint: str | None = None, region: str | None = None
    ):
        import boto3  # only when object storage is used: it takes a while to load
        from botocore.config import Config

        self.bucket, self.endpoint = bucket, endpoint
        self.prefix = f"{prefix}/" if prefix else ""
        config = Config(
            # Another server than AWS has no bucket names in DNS: the bucket goes in the path.
            s3={"addressing_style": "path"} if endpoint else {},
            # An unreachable storage must make a request fail within seconds, not minutes.
            connect_timeout=3,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # Only the checksums the operation needs (we send the SHA-256 ourselves): servers
            # other than AWS do not all know the CRC checksums newer clients add by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        region = region or ("us-east-1" if endpoint and not _default_region() else None)
        with _SESSION_LOCK:  # a boto3 session may make one client at a time
            global _session
            if _session is None:
                _session = boto3.session.Session()
            # Made from one session: the second and later clients (tests) reuse its models.
            self.client = _session.client(
                "s3", endpoint_url=endpoint, region_name=region, config=config
            )

    def __str__(self) -> str:
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"the bucket {self.bucket}{where}"

    def key(self, sha256: str) -> str:
        check_digest(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        """Turn the client's errors into StorageUnavailable, saying what could not be done."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as error:
            details = error.response.get("Error", {})
            reason = f"{details.get('Code', '?')}: {details.get('Message', '')}".strip(": ")
            raise StorageUnavailable(f"{self} refused to {what} ({reason})") from error
        except BotoCoreError as error:
            raise StorageUnavailable(f"{self} could not {what} ({error})") from error

    def digests(self) -> Iterator[str]:
        pattern = re.compile(re.escape(self.prefix) + r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
        found = []
        with self._calling("list the files"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    match = pattern.fullmatch(item["Key"])
                    if match and match[3].startswith(match[1] + match[2]):
                        found.append(match[3])
        return iter(sorted(found))

    def _get(self, sha256: str):
        """The object's streaming body; FileNotFoundError if there is no such object."""
        from botocore.exceptions import ClientError

        key = self.key(sha256)
        with self._calling(f"send {key}"):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            except ClientError as error:
                if _is_missing(error):
                    raise FileNotFoundError(f"no object {key} in {self}") from None
                raise

    def open(self, sha256: str) -> BinaryIO:
        """The object's bytes in a temporary file (a real file: backup reads its size)."""
        body = self._get(sha256)
        file = tempfile.TemporaryFile()
        try:
            with self._calling(f"send {self.key(sha256)}"), body:
                for chunk in body.iter_chunks(CHUNK):
                    file.write(chunk)
            file.seek(0)
        except BaseException:
            file.close()
            raise
        return file

    def read(self, sha256: str) -> bytes:
        body = self._get(sha256)
        with self._calling(f"send {self.key(sha256)}"), body:
            return body.read()

    def _put(self, sha256: str, body: BinaryIO | bytes) -> None:
        """One PUT: the object appears whole or not at all, and the server refuses it if its
        bytes do not have this SHA-256 (a transfer that damaged them)."""
        key = self.key(sha256)
        with self._calling(f"keep {key}"):
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ChecksumSHA256=b64encode(bytes.fromhex(sha256)).decode("ascii"),
            )

    def keep(self, sha256: str, chunks: Iterable[bytes]) -> bool:
        try:
            with self.open(sha256) as kept:
                if hashlib.file_digest(kept, "sha256").hexdigest() == sha256:
                    return False
        except FileNotFoundError:
            pass
        with tempfile.TemporaryFile() as spooled:
            actual = _spool(chunks, spooled)
            if actual != sha256:
                raise _wrong_content(sha256, actual)
            spooled.seek(0)
            self._put(sha256, spooled)
        return True

    def write_once(self, sha256: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        key = self.key(sha256)
        with self._calling(f"look up {key}"):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=key)
            except ClientError as error:
                if not _is_missing(error):
                    raise
                head = {}
        if head.get("ContentLength") == len(data):
            return  # the name is the content's hash: the same bytes are kept already
        self._put(sha256, data)

    def check_writable(self) -> None:
        key = f"{self.prefix}.ready-{uuid.uuid4().hex}"
        with self._calling(f"keep, send and remove the probe {key}"):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=b"ready")
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            finally:
                self.client.delete_object(Bucket=self.bucket, Key=key)
        if answer != b"ready":
            raise StorageUnavailable(f"{self} gave back other bytes than were written")


Storage = LocalFolder | S3Bucket


def _is_missing(error) -> bool:
    """Whether the client's error says there is no such object (HEAD answers a bare 404)."""
    return error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


def _default_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def parse_storage_url(url: str) -> dict:
    """The parts of an `s3://BUCKET/PREFIX?endpoint=URL&region=R` URL; ValueError saying what is
    wrong with any other."""
    example = "s3://BUCKET/PREFIX?endpoint=http://HOST:PORT"
    parts = urlsplit(url.strip())
    if parts.scheme != "s3":
        raise ValueError(f"it must start with s3:// (like {example}), not {parts.scheme or url!r}")
    if parts.username or parts.password or parts.port:
        raise ValueError(
            "credentials do not go in it: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    bucket = parts.netloc
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        raise ValueError(
            f"it names no bucket, or a name S3 does not allow ({bucket!r}): "
            f"3 to 63 lower-case letters, digits, dots and hyphens, as in {example}"
        )
    prefix = parts.path.strip("/")
    if "//" in prefix or not re.fullmatch(r"[A-Za-z0-9._/-]*", prefix):
        raise ValueError(
            f"its prefix {prefix!r} may have letters, digits and . _ - / (no empty part)"
        )
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - {"endpoint", "region"})
    if unknown:
        raise ValueError(f"it may set endpoint and region only, not {', '.join(unknown)}")
    if any(len(values) > 1 for values in query.values()):
        raise ValueError("it sets endpoint or region twice")
    endpoint = query.get("endpoint", [None])[0]
    if endpoint is not None:
        endpoint_parts = urlsplit(endpoint)
        if endpoint_parts.scheme not in ("http", "https") or not endpoint_parts.hostname:
            raise ValueError(f"its endpoint must be an http:// or https:// URL, not {endpoint!r}")
        endpoint = endpoint.rstrip("/")
    region = query.get("region", [None])[0] or None
    return {"bucket": bucket, "prefix": prefix, "endpoint": endpoint, "region": region}


def make_storage(app: Flask) -> Storage:
    """The storage the app's settings choose; RuntimeError with a clear message for a setting
    that cannot work (nothing is contacted here: /readyz tells whether the storage answers)."""
    url = app.config.get("STORAGE_URL")
    if url:
        try:
            return S3Bucket(**parse_storage_url(url))
        except ValueError as error:
            raise RuntimeError(f"STORAGE_URL is not usable: {error}.") from None
    folder = app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads"
    return LocalFolder(Path(folder), app.static_folder)


def storage_of(app: Flask) -> Storage:
    """The app's storage, made once; another is made only if its settings were changed since
    (tests switch between a folder and a bucket)."""
    settings = (app.config.get("STORAGE_URL") or None, app.config.get("UPLOAD_FOLDER"))
    made = app.extensions.setdefault("tracker_storage", {})
    if settings not in made:
        made[settings] = make_storage(app)
    return made[settings]
