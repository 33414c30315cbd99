"""docs/deploying.md and deploy/ are a test: every command of the guide's shell blocks names a
real program, file, unit or `tracker` command with options that exist; the backup, the restore
drill, the upgrade and `tracker db optimize` run as written, on scratch databases of the backend
under test; the systemd units pass `systemd-analyze verify`; gunicorn with the shipped settings
serves /healthz and /readyz; the nginx site forwards what the app trusts.

The guide's paths are production's (/opt/tracker, /var/backups/tracker, …): `Guide.local` maps
them to this checkout, this virtualenv and temporary folders.
"""

import json
import os
import pwd
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.cli import ScriptInfo
from flask_migrate import downgrade

from config import Config, from_environ
from tests.conftest import TEST_DATABASE_URL, create_test_app, dispose, scratch_database_url
from tests.ports import held_port, port_of
from tracker import MIGRATIONS_DIR, create_app
from tracker.cli import cli
from tracker.db import db

# Every app here has its own database, never the shared test app's.
pytestmark = pytest.mark.no_db_session

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deploying.md"
DEPLOY = ROOT / "deploy"
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
VENV_BIN = Path(sys.executable).parent
HOME = "/opt/tracker"
BACKUPS = "/var/backups/tracker"
SEPARATORS = {"&&", "||", ";", "|", "&"}
REDIRECTIONS = {">", ">>", "<", "<<"}
# The programs other than ours that the guide may run: a new kind of line must be added here, with
# a check in test_every_command_of_the_guide_and_the_units_exists if it names something of ours.
SYSTEM_PROGRAMS = {
    "adduser", "apt-get", "cat", "cp", "curl", "git", "install", "journalctl", "kill", "ln", "ls",
    "nginx", "python3", "rm", "sort", "systemctl", "tail", "xargs", "date", "createuser",
    "createdb",
}  # fmt: skip
# The routes the guide's curl lines may ask, all served in test_gunicorn_serves_the_health_routes.
PROBES = {"/healthz", "/readyz"}


# Reading the guide and the units ------------------------------------------------------------------


def shell_words(line: str) -> list[str]:
    # A command substitution is one word to the checks ($(date …) in a file name).
    line = re.sub(r"\$\([^()]*\)", "SUBST", line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


@dataclass
class Command:
    words: list[str]  # program and arguments, without leading NAME=value assignments
    env: dict[str, str] = field(default_factory=dict)

    @property
    def program(self) -> str:
        return self.words[0]


def simple_commands(line: str) -> list[Command]:
    """The commands of one shell line, split at `&&`, `|`, `;`, `&`, without redirections; a
    line of assignments only gives a Command with no words."""
    commands, words = [], []
    tokens = iter(shell_words(line))
    for token in tokens:
        if token in SEPARATORS:
            commands.append(words)
            words = []
        elif token in REDIRECTIONS:
            next(tokens)  # its target
        else:
            words.append(token)
    commands.append(words)
    result = []
    for words in filter(None, commands):
        env = {}
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        while words and words[0] == "sudo":  # sudo -u USER …
            words = words[3:] if words[1:2] == ["-u"] else words[1:]
        result.append(Command(words, env))
    return result


def guide_sections() -> dict[str, list[str]]:
    """Each section's shell lines (```bash blocks), heredoc bodies as one line each, prefixed
    with "<<" so that no check takes them for commands."""
    sections: dict[str, list[str]] = {}
    heading, kind, heredoc, body = "", None, None, []
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if kind is None and line.startswith("#"):
            heading = line.lstrip("#").strip()
            sections.setdefault(heading, [])
        elif line.startswith("```"):
            kind = line[3:].strip() if kind is None else None
        elif kind == "bash" and heredoc:
            if line == heredoc:
                sections[heading].append("<<" + "\n".join(body))
                heredoc, body = None, []
            else:
                body.append(line)
        elif kind == "bash" and line.strip() and not line.lstrip().startswith("#"):
            sections[heading].append(line)
            if match := re.search(r"<<\s*'?(\w+)'?", line):
                heredoc = match.group(1)
    return sections


def section_commands(heading: str) -> list[Command]:
    lines = guide_sections()[heading]
    return [c for line in lines if not line.startswith("<<") for c in simple_commands(line)]


def unit_settings(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) for every setting of a unit file, repeated keys included."""
    settings, section = [], ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        else:
            key, value = line.split("=", 1)
            settings.append((section, key, value))
    return settings


def unit_value(path: Path, key: str) -> list[str]:
    return [value for _, k, value in unit_settings(path) if k == key]


def exec_commands(path: Path) -> list[Command]:
    """The commands a unit runs: its ExecStart lines, and those inside `/bin/sh -c '…'`."""
    commands = []
    for value in unit_value(path, "ExecStart"):
        # systemd's escapes: %% for a %, $$ for a $.
        words = shlex.split(value.replace("%%", "%").replace("$$", "$"))
        if words[:2] == ["/bin/sh", "-c"]:
            commands += simple_commands(words[2].removeprefix("exec "))
        else:
            commands.append(Command(words))
    return commands


# Mapping production's paths to this machine -------------------------------------------------------


class Guide:
    """Production's paths mapped here: /opt/tracker to this checkout (its .venv to this one),
    the backup folder and the drill's folder to temporary ones."""

    def __init__(self, scratch: Path):
        self.backups = scratch / "backups"
        self.drill = scratch / "drill"

    def local(self, word: str) -> str:
        word = word.replace("SUBST", "20261205T000000Z")
        for there, here in (
            (f"{HOME}/.venv", VENV_BIN.parent),
            (HOME, ROOT),
            (BACKUPS, self.backups),
            ("/var/lib/tracker-drill", self.drill),
        ):
            if word == there or word.startswith(there + "/"):
                return str(here) + word[len(there) :]
        return word


def local_path(word: str) -> Path:
    return Path(Guide(Path("/nonexistent")).local(word))


# The `tracker` command line, as the guide and the units use it ------------------------------------


def script_info(app) -> ScriptInfo:
    return ScriptInfo(create_app=lambda: app)


def check_tracker_command(app, arguments: list[str]) -> str:
    """Fail unless `tracker ARGUMENTS` names a command, with options it has and the arguments
    and required options it needs; return the command's path ("db upgrade")."""
    with click.Context(cli, info_name="tracker", obj=script_info(app)) as ctx:
        command, path, rest = cli, [], list(arguments)
        while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
            sub = command.get_command(ctx, rest[0])
            assert sub is not None, f"no command `tracker {' '.join([*path, rest[0]])}`"
            command = sub
            path.append(rest.pop(0))
    name = " ".join(path)
    assert not isinstance(command, click.Group), f"`tracker {name}` needs a subcommand"
    options = {
        opt: param
        for param in command.params
        if isinstance(param, click.Option)
        for opt in [*param.opts, *param.secondary_opts]
    }
    given, positional = set(), []
    words = iter(rest)
    for word in words:
        if word.startswith("-") and word not in ("-", "--help"):
            option = options.get(word.split("=", 1)[0])
            assert option is not None, f"`tracker {name}` has no option {word}"
            given.add(option.name)
            if not option.is_flag and not option.count and "=" not in word:
                assert next(words, None) is not None, f"`tracker {name} {word}` needs a value"
        elif word != "--help":
            positional.append(word)
    arguments_ = [p for p in command.params if isinstance(p, click.Argument)]
    if "--help" not in rest:
        needed = sum(p.nargs for p in arguments_ if p.required and p.nargs > 0)
        assert len(positional) >= needed, f"`tracker {name}` needs {needed} argument(s)"
        for option in {p for p in options.values() if p.required}:
            assert option.name in given, f"`tracker {name}` needs {option.opts[0]}"
    if all(p.nargs != -1 for p in arguments_):
        assert len(positional) <= sum(p.nargs for p in arguments_), f"too many for `{name}`"
    return name


def run_tracker(app, arguments: list[str], guide: Guide, *, input: str | None = None):
    result = app.test_cli_runner().invoke(
        args=[guide.local(word) for word in arguments], input=input
    )
    assert result.exit_code == 0, f"tracker {' '.join(arguments)}: {result.output}"
    return result


def readiness(app) -> tuple[int, dict]:
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


# Fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guide(tmp_path_factory) -> Guide:
    guide = Guide(tmp_path_factory.mktemp("production"))
    guide.backups.mkdir()
    return guide


@pytest.fixture(scope="module")
def production(guide):
    """A tracker installed by the guide: the `tracker` lines of its Install section, run."""
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database_url())
        app = create_test_app(url, UPLOAD_FOLDER=str(guide.backups.parent / "uploads"))
        stack.callback(dispose, app)
        for command in section_commands("Install"):
            if command.words and command.program == "tracker":
                # `user create` asks for the password twice.
                run_tracker(app, command.words[1:], guide, input="a-long-admin-password\n" * 2)
        yield app


@pytest.fixture(scope="module")
def nightly_backup(production, guide) -> Path:
    """The backup that tracker-backup.service takes, by its own ExecStart line."""
    (backup,) = [
        c for c in exec_commands(DEPLOY / "tracker-backup.service") if c.words[1:2] == ["backup"]
    ]
    run_tracker(production, backup.words[1:], guide)
    (path,) = guide.backups.glob("tracker-*.zip")
    return path


# The guide and the units name what exists --------------------------------------------------------


def all_commands() -> list[tuple[str, Command]]:
    commands = [
        (heading, command)
        for heading, lines in guide_sections().items()
        for line in lines
        if not line.startswith("<<")
        for command in simple_commands(line)
    ]
    commands += [(unit.name, c) for unit in UNITS for c in exec_commands(unit)]
    return commands


def test_the_guide_has_the_sections_and_commands_the_tests_run():
    for heading in ("Install", "Backups", "Restore drill", "Maintenance", "Upgrades"):
        commands = section_commands(heading)
        assert any(c.words and c.program == "tracker" for c in commands), heading
    assert len(all_commands()) > 50


def test_every_command_of_the_guide_and_the_units_exists(production):
    checked = set()
    for where, command in all_commands():
        if not command.words:
            continue  # an assignment (latest=$(ls …))
        program = command.program
        for word in command.words:
            if word.startswith(HOME + "/"):
                assert local_path(word).exists(), f"{where}: {word} is not in the checkout"
        if program.endswith("/tracker") or program == "tracker":
            checked.add(check_tracker_command(production, command.words[1:]))
        elif program.startswith(HOME + "/.venv/bin/"):
            assert local_path(program).exists(), f"{where}: no {program} in the virtualenv"
        elif program == "systemctl":
            for word in command.words[1:]:
                if word.endswith((".service", ".timer")):
                    assert (DEPLOY / word).exists(), f"{where}: no unit deploy/{word}"
        elif program == "curl":
            (url,) = [word for word in command.words if word.startswith("http")]
            assert re.fullmatch(r"http://127\.0\.0\.1:(8000|8099)(/\w+)", url), url
            assert url.rsplit("/", 1)[1] in {p.strip("/") for p in PROBES}, url
        else:
            assert Path(program).name in SYSTEM_PROGRAMS, f"{where}: what is {program}?"
    # Every file of deploy/ is installed by the guide.
    installed = {
        Path(word).name
        for _, command in all_commands()
        for word in command.words
        if word.startswith(f"{HOME}/deploy/")
    }
    assert installed == {path.name for path in DEPLOY.iterdir() if path.is_file()}
    # What the units run and the sections the tests below run are among them.
    assert {"init", "backup", "restore", "db upgrade", "db check", "db optimize"} <= checked
    assert {"mail send", "mail outbox", "run", "user create"} <= checked


def test_the_mail_sender_unit_runs_tracker_mail_send_with_its_loop(production):
    (command,) = exec_commands(DEPLOY / "tracker-mail.service")
    assert command.words[1:4] == ["mail", "send", "--loop"]
    result = CliRunner().invoke(cli, ["mail", "send", "--help"], obj=script_info(production))
    assert result.exit_code == 0, result.output
    assert "--loop" in result.output and "--interval" in result.output


def test_the_guides_ports_are_gunicorns_and_the_drills():
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:8000"
    drill = [c for c in section_commands("Restore drill") if c.words[1:2] == ["run"]]
    assert drill and drill[0].words[-2:] == ["--port", "8099"]


# Backups, the restore drill, the upgrade, optimize: run as written --------------------------------


def test_the_backup_unit_writes_a_dated_backup_and_keeps_the_30_newest(nightly_backup, tmp_path):
    assert re.fullmatch(r"tracker-\d{8}T\d{6}Z\.zip", nightly_backup.name)
    assert nightly_backup.stat().st_size > 0
    (retention,) = [
        v for v in unit_value(DEPLOY / "tracker-backup.service", "ExecStart") if "tail" in v
    ]
    script = shlex.split(retention)[2].replace(BACKUPS, str(tmp_path))
    names = [f"tracker-202601{day:02}T023000Z.zip" for day in range(1, 34)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "before-upgrade-20251201T000000Z.zip").write_bytes(b"")
    subprocess.run(["/bin/sh", "-c", script], check=True)
    assert sorted(p.name for p in tmp_path.glob("tracker-*.zip")) == names[-30:]
    assert (tmp_path / "before-upgrade-20251201T000000Z.zip").exists()


def drill_settings(guide: Guide, url: str) -> dict:
    (body,) = [line[2:] for line in guide_sections()["Restore drill"] if line.startswith("<<")]
    settings = dict(line.split("=", 1) for line in body.splitlines())
    assert set(settings) == {"DATABASE_URL", "UPLOAD_FOLDER"}  # nothing of production's
    if TEST_DATABASE_URL:
        # The guide's drill on PostgreSQL uses a scratch database instead of the SQLite file.
        settings["DATABASE_URL"] = url
    else:
        path = guide.local(settings["DATABASE_URL"].removeprefix("sqlite:///"))
        settings["DATABASE_URL"] = f"sqlite:///{path}"
    settings["UPLOAD_FOLDER"] = guide.local(settings["UPLOAD_FOLDER"])
    return settings


def test_the_restore_drill_restores_the_newest_backup_into_a_scratch_tracker(
    production, nightly_backup, guide
):
    commands = section_commands("Restore drill")
    (listing,) = [line for line in guide_sections()["Restore drill"] if line.startswith("latest=")]
    newest = subprocess.run(
        ["/bin/sh", "-c", listing.replace(BACKUPS, str(guide.backups)) + '; echo "$latest"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert newest == str(nightly_backup)
    guide.drill.mkdir()
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database_url())
        settings = drill_settings(guide, url)
        drill = create_test_app(settings["DATABASE_URL"], UPLOAD_FOLDER=settings["UPLOAD_FOLDER"])
        stack.callback(dispose, drill)
        ran = []
        for command in commands:
            if command.words and command.program == "tracker":
                assert command.env == {"TRACKER_ENV_FILE": "/etc/tracker/drill.env"}
                if command.words[1] == "run":
                    continue  # a server: /readyz is asked below, through the test client
                words = [newest if w == "$latest" else w for w in command.words[1:]]
                run_tracker(drill, words, guide)
                ran.append(" ".join(command.words[1:3]))
        assert ran == ["restore $latest", "db check"]
        status, body = readiness(drill)
        assert status == 200, body
        with drill.app_context():
            emails = set(db.session.scalars(sa.text("SELECT email FROM users")))
        assert "secretariat@example.org" in emails


def test_the_upgrade_sequence_brings_a_tracker_one_migration_behind_to_ready(production, guide):
    """The backup is taken by the version installed, at its schema; the version checked out
    next brings one migration more (here: this checkout, with the database one behind)."""
    commands = [c for c in section_commands("Upgrades") if c.words and c.program == "tracker"]
    assert [" ".join(c.words[1:3]) for c in commands[1:]] == ["db upgrade", "db check"]
    backup = commands[0].words
    assert backup[1] == "backup" and backup[2].startswith(f"{BACKUPS}/before-upgrade-")
    run_tracker(production, backup[1:], guide)
    assert list(guide.backups.glob("before-upgrade-*.zip"))
    with production.app_context():
        downgrade(directory=MIGRATIONS_DIR, revision="-1")
        db.session.remove()
    assert readiness(production)[0] == 503
    for command in commands[1:]:
        run_tracker(production, command.words[1:], guide)
    status, body = readiness(production)
    assert status == 200, body


def stats_of(connection, table: str):
    if connection.dialect.name == "sqlite":
        if not connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).first():
            return None
        return connection.exec_driver_sql(
            f"SELECT stat FROM sqlite_stat1 WHERE tbl = '{table}'"
        ).scalar()
    reltuples = connection.exec_driver_sql(
        f"SELECT reltuples FROM pg_class WHERE relname = '{table}'"
    ).scalar()
    return None if reltuples < 0 else reltuples  # -1: never analysed


def test_db_optimize_brings_the_planners_statistics_up_to_date(production, guide):
    (command,) = section_commands("Maintenance")
    with production.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE optimize_probe (id INTEGER, code TEXT)")
            connection.exec_driver_sql("CREATE INDEX ix_optimize_code ON optimize_probe (code)")
            connection.execute(
                sa.text("INSERT INTO optimize_probe VALUES (:id, :code)"),
                [{"id": n, "code": f"c{n % 7}"} for n in range(200)],
            )
            assert stats_of(connection, "optimize_probe") is None
        try:
            result = run_tracker(production, command.words[1:], guide)
            with db.engine.connect() as connection:
                assert stats_of(connection, "optimize_probe")
        finally:
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE optimize_probe")
            db.session.remove()
    backend = "PostgreSQL" if TEST_DATABASE_URL else "SQLite"
    assert result.output.startswith("Ran ") and f"on the {backend} database" in result.output


def test_db_optimize_on_sqlite_346_runs_pragma_optimize_and_says_so(tmp_path, monkeypatch):
    """SQLite here may be older than 3.46 (whose optimize can check every table): run its
    PRAGMA optimize path anyway, which an older SQLite accepts and finds nothing to do."""
    monkeypatch.setattr("tracker.db.SQLITE_OPTIMIZE_CHECKS_ALL_TABLES", (3, 0, 0))
    app = create_test_app(f"sqlite:///{tmp_path / 'optimize.sqlite'}")
    try:
        result = app.test_cli_runner().invoke(args=["db", "optimize"])
    finally:
        dispose(app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Ran PRAGMA optimize on the SQLite database: ")


# The files of deploy/ ----------------------------------------------------------------------------


def example_settings() -> dict[str, str]:
    lines = (DEPLOY / "tracker.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_example_settings_are_read_by_the_app_and_refuse_to_start_without_a_secret_key():
    settings = example_settings()
    read = from_environ(settings)
    for name in settings.keys() - {"DATABASE_URL", "SECRET_KEY"}:
        assert name in read, f"{name} is not read"
    assert read["SQLALCHEMY_DATABASE_URI"] == settings["DATABASE_URL"]
    assert settings["SECRET_KEY"] == "" and settings["TRACKER_ENV"] == "production"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({**read, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    commented = re.findall(r"^#(\w+)=", (DEPLOY / "tracker.env.example").read_text(), re.M)
    guide = GUIDE.read_text()
    for name in [*settings, *commented]:
        row = (f"| `{name}`", f"`{name}`,", f"`{name}` |")
        assert any(cell in guide for cell in row), f"{name} is not in the guide's settings"


def test_the_tracker_command_runs_the_virtualenvs_tracker_with_the_settings(tmp_path):
    """deploy/tracker (installed as /usr/local/bin/tracker), as the service's user, with the
    example settings, before a stand-in for the virtualenv's `tracker` that shows what it got."""
    home = tmp_path / "home"
    (home / ".venv" / "bin").mkdir(parents=True)
    stand_in = home / ".venv" / "bin" / "tracker"
    stand_in.write_text(
        '#!/bin/sh\necho "$(id -un) $(pwd) $TRACKER_ENV $DATABASE_URL $TRUSTED_PROXY_COUNT $*"\n'
    )
    stand_in.chmod(0o755)
    env_file = tmp_path / "tracker.env"
    shutil.copy(DEPLOY / "tracker.env.example", env_file)
    user = pwd.getpwuid(os.getuid()).pw_name
    result = subprocess.run(
        [str(DEPLOY / "tracker"), "restore", "/var/backups/tracker/by-hand.zip", "--yes"],
        env={
            "PATH": os.environ["PATH"],
            "TRACKER_USER": user,
            "TRACKER_HOME": str(home),
            "TRACKER_ENV_FILE": str(env_file),
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    settings = example_settings()
    assert result.stdout.split() == [
        user,
        str(home),
        "production",
        settings["DATABASE_URL"],
        "1",
        "restore",
        "/var/backups/tracker/by-hand.zip",
        "--yes",
    ]


def test_the_systemd_units_run_as_tracker_with_the_settings_and_pass_systemd_analyze(tmp_path):
    for unit in UNITS:
        if unit.suffix == ".service":
            assert unit_value(unit, "User") == ["tracker"], unit.name
            assert unit_value(unit, "EnvironmentFile") == ["/etc/tracker/tracker.env"]
            assert unit_value(unit, "WorkingDirectory") == [HOME]
    timers = [unit for unit in UNITS if unit.suffix == ".timer"]
    for timer in timers:
        assert (DEPLOY / f"{timer.stem}.service").exists()  # the service it starts, by its name
    assert len(timers) == 2  # the nightly backup, the scheduled notifications
    assert unit_value(DEPLOY / "tracker-backup.service", "ReadWritePaths") == [BACKUPS]
    if not shutil.which("systemd-analyze"):
        return  # the checks above and test_every_command_… stand in for it
    # systemd-analyze checks that each ExecStart program exists: stand-ins at the same paths.
    home = tmp_path / "home"
    (home / ".venv" / "bin").mkdir(parents=True)
    for program in ("gunicorn", "tracker"):
        (home / ".venv" / "bin" / program).write_text("#!/bin/sh\n")
        (home / ".venv" / "bin" / program).chmod(0o755)
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(HOME, str(home)))
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / unit.name) for unit in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result


def nginx_directives() -> list[list[str]]:
    text = re.sub(r"#.*", "", (DEPLOY / "nginx-tracker.conf").read_text())
    return [statement.split() for statement in re.split(r"[;{}]", text) if statement.strip()]


def nginx_size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def test_the_nginx_site_ends_tls_and_forwards_what_the_app_trusts():
    directives = nginx_directives()
    values = {}
    for words in directives:
        values.setdefault(words[0], []).append(words[1:])
    assert ["443", "ssl", "http2"] in values["listen"]
    assert values["ssl_certificate"] and values["ssl_certificate_key"]
    headers = {words[0]: words[1] for words in values["proxy_set_header"]}
    # TRUSTED_PROXY_COUNT=1 (the example settings): nginx replaces these, it does not append.
    assert example_settings()["TRUSTED_PROXY_COUNT"] == "1"
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host" and headers["X-Request-ID"] == "$request_id"
    # Room for the app's own limit, so that the app refuses a file too large with its message.
    (size,) = values["client_max_body_size"]
    body = nginx_size(size[0])
    assert Config.MAX_CONTENT_LENGTH <= body < Config.MAX_CONTENT_LENGTH + 1024**2
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert ["127.0.0.1:8000"] == [w[0] for w in values["server"] if len(w) == 1]
    assert gunicorn["bind"] == "127.0.0.1:8000"
    (read_timeout,) = values["proxy_read_timeout"]
    assert int(read_timeout[0].rstrip("s")) > gunicorn["timeout"]
    assert "proxy_buffering" not in values  # buffered: a slow client holds no sync worker


# gunicorn with the shipped settings ---------------------------------------------------------------


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_gunicorn_serves_the_health_routes_with_the_shipped_settings(production, tmp_path):
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["accesslog"] is None and settings["control_socket_disable"] is True
    assert settings["wsgi_app"] == "tracker:create_app()"
    stderr = tmp_path / "gunicorn.log"
    with stderr.open("w") as log, held_port() as sock:  # gunicorn listens on this very socket
        port = port_of(sock)
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                str(DEPLOY / "gunicorn.conf.py"),
                "--bind",
                f"fd://{sock.fileno()}",
            ],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=[sock.fileno()],
            env={
                "PATH": os.environ["PATH"],
                "HOME": str(tmp_path),  # where gunicorn would put a control socket
                "PYTHONPATH": str(ROOT),
                "WEB_CONCURRENCY": "1",
                "TRACKER_ENV": "production",
                "SECRET_KEY": "s" * 48,
                "DATABASE_URL": production.config["SQLALCHEMY_DATABASE_URI"],
                "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            },
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, body = get(f"{base}/healthz")
                    break
                except OSError:
                    assert server.poll() is None, stderr.read_text()
                    assert time.monotonic() < deadline, "gunicorn did not answer"
                    time.sleep(0.1)
            assert status == 200 and json.loads(body) == {"status": "ok"}
            status, body = get(f"{base}/readyz")
            assert status == 200, body
            assert json.loads(body)["status"] == "ready"
            assert get(f"{base}/auth/sign-in?next=/secret-path")[0] == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = stderr.read_text().splitlines()
    # The app's JSON line for the page, and no access log line with the raw path.
    assert any('"route": "/auth/sign-in"' in line for line in lines), lines
    assert not any("secret-path" in line for line in lines), lines
    assert not (tmp_path / ".gunicorn").exists()
