"""threadline.config: loading, one-line errors, profiles, keys, saving, warnings."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
import traceback
from pathlib import Path
from types import TracebackType

import pytest

from threadline.config import (
    MASK,
    Config,
    ConfigError,
    KeyCommandError,
    MissingKeyError,
    UnknownProfileError,
    load_config,
    mask_secrets,
    resolve_api_key,
    resolve_chat_api_key,
    save_settings,
)
from threadline.errors import UserError
from threadline.locations import config_path

KEY = "sk-test-0123456789-SECRET-abcdef"
PY = sys.executable


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "conf" / "config.toml"


def remote(name: str = "work", extra: str = "") -> str:
    return f'[profiles.{name}]\nbackend = "remote"\nbase_url = "https://h.example/v1"\n{extra}'


def only_remote(extra: str = "") -> str:
    """A whole config whose one profile, "work", is remote and the default."""
    return 'default_profile = "work"\n' + remote("work", extra)


# --- defaults and locations -----------------------------------------------------------


def test_no_file_means_one_implicit_local_demo_profile() -> None:
    assert not config_path().exists()
    config = load_config()
    assert config.source is None
    assert config.warnings == ()
    assert config.profile_names() == ["local"]
    profile = config.profile()
    assert (profile.name, profile.backend, profile.engine) == ("local", "local", "demo")
    assert profile.demo_speed == 60
    assert (profile.timeout, profile.max_retries, profile.stream_idle_timeout) == (60, 2, 60)
    assert config.capture_retention == 200
    assert config.theme is None
    assert (config.tools, config.keys) == ({}, {})


def test_empty_profiles_table_also_means_the_implicit_profile(cfg: Path) -> None:
    write(cfg, 'theme = "x"\n[profiles]\n')
    assert load_config(cfg).profile_names() == ["local"]


def test_reads_the_default_location(tmp_path: Path) -> None:
    write(config_path(), 'theme = "from-xdg"\n')
    config = load_config()
    assert config.theme == "from-xdg"
    assert config.source == config_path()


def test_threadline_config_env_points_to_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = write(tmp_path / "other.toml", 'default_profile = "w"\n' + remote("w"))
    monkeypatch.setenv("THREADLINE_CONFIG", str(other))
    config = load_config()
    assert config.source == other
    assert config.profile().name == "w"
    assert config.profile().base_url == "https://h.example/v1"


def test_threadline_config_naming_a_missing_file_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREADLINE_CONFIG", str(tmp_path / "typo.toml"))
    config = load_config()
    assert config.profile_names() == ["local"]
    assert any("THREADLINE_CONFIG" in w and "typo.toml" in w for w in config.warnings)


def test_threadline_data_dir_moves_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from threadline.locations import data_dir, themes_dir

    monkeypatch.setenv("THREADLINE_DATA_DIR", str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d"
    assert themes_dir() == tmp_path / "d" / "themes"


def test_every_key_the_issues_name_is_read(cfg: Path) -> None:
    write(
        cfg,
        """
default_profile = "work"
theme = "light"
capture_retention = 5
[profiles.work]
backend = "remote"
base_url = "https://host/v1/"
api_key_env = "WORK_KEY"
api_key_header = "api-key"
assistant_id = "asst_1"
headers = { "X-Extra" = "1" }
query = { "api-version" = "2025-05-01" }
timeout = 12.5
max_retries = 4
stream_idle_timeout = 9
[profiles.bridge]
engine = "chat"
chat_base_url = "http://localhost:11434/v1"
chat_model = "llama3.2"
chat_api_key_env = "CHAT_KEY"
demo_speed = 0
[tools.get_weather]
command = ["python3", "-m", "w"]
approve = "always"
timeout = 3
env = { "UNITS" = "metric" }
side_effects = true
[keys]
send = "ctrl+s"
""",
    )
    config = load_config(cfg)
    work = config.profile()
    assert work.base_url == "https://host/v1"  # trailing slash dropped for path joins
    assert work.headers == {"X-Extra": "1"}
    assert work.query == {"api-version": "2025-05-01"}
    assert (work.timeout, work.max_retries, work.stream_idle_timeout) == (12.5, 4, 9)
    assert work.auth_header() == ("api-key", "")
    assert config.profile("bridge").demo_speed == 0
    tool = config.tools["get_weather"]
    assert tool.command == ["python3", "-m", "w"]
    assert (tool.approve, tool.timeout, tool.env, tool.side_effects) == (
        "always",
        3,
        {"UNITS": "metric"},
        True,
    )
    assert config.keys == {"send": "ctrl+s"}
    assert (config.theme, config.capture_retention) == ("light", 5)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("Authorization: Bearer", ("Authorization", "Bearer ")),
        ("api-key", ("api-key", "")),
        ("Authorization:Token", ("Authorization", "Token ")),
        ("X-Api-Key:", ("X-Api-Key", "")),
    ],
)
def test_auth_header_is_parsed(setting: str, expected: tuple[str, str], cfg: Path) -> None:
    write(cfg, only_remote(f'api_key_header = "{setting}"\n'))
    assert load_config(cfg).profile("work").auth_header() == expected


def test_a_string_key_command_is_split_without_a_shell(cfg: Path) -> None:
    write(cfg, only_remote("api_key_command = \"pass show 'my vault/key'\"\n"))
    assert load_config(cfg).profile("work").api_key_command == ["pass", "show", "my vault/key"]


# --- one-line errors --------------------------------------------------------------------

BAD = [
    (remote(extra='timeout = "soon"\n'), "profiles.work.timeout", "Input should be a valid number"),
    (
        remote(extra='api_kye = "x"\n'),
        "profiles.work.api_kye",
        "unknown key (did you mean api_key?)",
    ),
    ('themee = "x"\n', "themee", "unknown key (did you mean theme?)"),
    ('[tools.f]\ncommand = ["x"]\napprov = "ask"\n', "tools.f.approv", "unknown key"),
    ('[profiles.w]\nbackend = "cloud"\n', "profiles.w.backend", "'local' or 'remote'"),
    (
        '[profiles.w]\nbackend = "remote"\n',
        "profiles.w.base_url",
        'required when backend = "remote"',
    ),
    ('[profiles.w]\nengine = "chat"\nchat_model = "m"\n', "profiles.w.chat_base_url", "required"),
    (
        '[profiles.w]\nengine = "chat"\nchat_base_url = "http://x/v1"\n',
        "profiles.w.chat_model",
        'required when engine = "chat"',
    ),
    (
        remote(extra='api_key = "k"\napi_key_env = "K"\n'),
        "profiles.work",
        "set only one of api_key, api_key_env, api_key_command",
    ),
    (
        '[profiles.w]\nchat_api_key_env = "A"\nchat_api_key_command = ["x"]\n',
        "profiles.w",
        "set only one of chat_api_key, chat_api_key_env, chat_api_key_command",
    ),
    ('default_profile = "nope"\n[profiles.w]\n', "default_profile", "no profile named 'nope'"),
    ("[profiles.w]\n", "default_profile", "there is no [profiles.local]; set it to one of: w"),
    ('[profiles."my work"]\n', 'profiles."my work"', "profile names use"),
    ('[profiles."a.b"]\ntimeout = -1\n', 'profiles."a.b".timeout', "greater than 0"),
    (
        remote(extra='base_url = "host/v1"\n').replace('base_url = "https://h.example/v1"\n', ""),
        "profiles.work.base_url",
        "http:// or https:// URL",
    ),
    ('[profiles.w]\napi_key_env = "1BAD"\n', "profiles.w.api_key_env", "environment variable"),
    ('[profiles.w]\napi_key = ""\n', "profiles.w.api_key", "is empty"),
    ('[profiles.w]\nheaders = { "Bad Name" = "1" }\n', 'profiles.w.headers."Bad Name"', "header"),
    ('[profiles.w]\napi_key_header = "Auth Bearer"\n', "profiles.w.api_key_header", "Header-Name"),
    ("[profiles.w]\ndemo_speed = -1\n", "profiles.w.demo_speed", "greater than or equal to 0"),
    ("[profiles.w]\ntimeout = inf\n", "profiles.w.timeout", "finite number"),
    ("[profiles.w]\nmax_retries = 1.5\n", "profiles.w.max_retries", "valid integer"),
    ("[tools.f]\ncommand = []\n", "tools.f.command", "the program to run"),
    ('[tools.f]\napprove = "ask"\n', "tools.f.command", "is required"),
    ('[tools.f]\ncommand = "x"\n', "tools.f.command", None),  # a string is split: fine
    ('[tools.f]\ncommand = ["x"]\napprove = "maybe"\n', "tools.f.approve", "'ask', 'always'"),
    ('[tools."f g"]\ncommand = ["x"]\n', 'tools."f g"', "function names use"),
    ('profiles = "x"\n', "profiles", "should be a table"),
    ("capture_retention = -1\n", "capture_retention", "greater than or equal to 0"),
    ("[keys]\nsend = 5\n", "keys.send", "valid string"),
]


@pytest.mark.parametrize(("text", "key", "problem"), BAD, ids=[key for _, key, _ in BAD])
def test_bad_config_is_one_line_naming_file_and_key(
    text: str, key: str, problem: str | None, cfg: Path
) -> None:
    write(cfg, text)
    if problem is None:
        load_config(cfg)
        return
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{cfg}: {key}: "), message
    assert problem in message
    assert isinstance(caught.value, UserError)
    assert caught.value.exit_code == 2
    assert (caught.value.path, caught.value.key) == (cfg, key)


def test_several_problems_are_counted_on_the_one_line(cfg: Path) -> None:
    write(cfg, '[profiles.w]\ntimeout = "x"\nmax_retries = -1\n')
    with pytest.raises(ConfigError, match=r"profiles\.w\.timeout: .* \(and 1 more problem\)$"):
        load_config(cfg)


def test_invalid_toml_names_line_and_column(cfg: Path) -> None:
    write(cfg, 'theme = "x"\n\n[profiles\n')
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert str(caught.value) == (
        f"{cfg}: invalid TOML at line 3, column 10: Expected ']' at the end of a table declaration"
    )


def test_file_in_the_home_folder_is_shown_with_a_tilde(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    path = write(tmp_path / ".config" / "threadline" / "config.toml", "theme = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        "~/.config/threadline/config.toml: theme: Input should be a valid string"
    )


def test_unreadable_file_names_the_os_reason(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(cfg, "")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ConfigError, match=r": cannot read: Permission denied$"):
        load_config(cfg)


def test_a_folder_or_non_utf8_file_is_a_clear_error(tmp_path: Path, cfg: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)
    write(cfg, "")
    cfg.write_bytes(b'theme = "\xff"\n')
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(cfg)


# --- profiles -----------------------------------------------------------------------------


def test_unknown_profile_is_a_user_error_listing_the_profiles(cfg: Path) -> None:
    write(cfg, 'default_profile = "a"\n[profiles.a]\n[profiles.b]\n')
    config = load_config(cfg)
    assert config.profile(None).name == "a"
    assert config.profile("b").name == "b"
    with pytest.raises(UnknownProfileError) as caught:
        config.profile("c")
    assert str(caught.value) == f"no profile named 'c' in {cfg}; the profiles are: a, b"
    assert caught.value.exit_code == 2


# --- keys ---------------------------------------------------------------------------------


def key_config(cfg: Path, source: str) -> Config:
    write(cfg, only_remote(source + "\n"))
    return load_config(cfg)


def test_key_from_the_file(cfg: Path) -> None:
    profile = key_config(cfg, f'api_key = "{KEY}"').profile("work")
    key = resolve_api_key(profile)
    assert key is not None
    assert key.get_secret_value() == KEY


def test_no_key_source_means_no_key(cfg: Path) -> None:
    assert resolve_api_key(key_config(cfg, "").profile("work")) is None
    assert resolve_chat_api_key(key_config(cfg, "").profile("work")) is None


def test_key_from_the_environment(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = key_config(cfg, 'api_key_env = "WORK_KEY"').profile("work")
    monkeypatch.setenv("WORK_KEY", f"  {KEY}\n")
    key = resolve_api_key(profile)
    assert key is not None
    assert key.get_secret_value() == KEY


def test_unset_or_empty_variable_is_a_missing_key(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = key_config(cfg, 'api_key_env = "WORK_KEY"').profile("work")
    with pytest.raises(MissingKeyError) as caught:
        resolve_api_key(profile)
    assert str(caught.value) == "profile 'work': api_key_env names WORK_KEY, which is not set"
    monkeypatch.setenv("WORK_KEY", " ")
    with pytest.raises(MissingKeyError, match="which is empty"):
        resolve_api_key(profile)


def test_a_missing_key_breaks_only_its_own_profile(cfg: Path) -> None:
    write(
        cfg,
        'default_profile = "a"\n'
        + remote("a", 'api_key_env = "UNSET_A"\n')
        + remote("b", f'api_key = "{KEY}"\n'),
    )
    config = load_config(cfg)  # loading never resolves keys
    with pytest.raises(MissingKeyError):
        resolve_api_key(config.profile("a"))
    assert resolve_api_key(config.profile("b")) is not None


def test_key_from_a_command_is_its_first_line(cfg: Path) -> None:
    command = f"print('{KEY}'); print('notes: second line')"
    profile = key_config(cfg, f"api_key_command = {tomlstr([PY, '-c', command])}").profile("work")
    key = resolve_api_key(profile)
    assert key is not None
    assert key.get_secret_value() == KEY


def test_a_failing_command_names_profile_status_and_first_stderr_line(cfg: Path) -> None:
    # The command prints the key on stdout and fails: the key must not reach the message.
    command = (
        # (split in two, so the key is not in the command line itself)
        f"import sys; print('{KEY[:8]}' + '{KEY[8:]}'); "
        "sys.stderr.write('vault is locked\\nsecond line\\n'); sys.exit(3)"
    )
    profile = key_config(cfg, f"api_key_command = {tomlstr([PY, '-c', command])}").profile("work")
    with pytest.raises(KeyCommandError) as caught:
        resolve_api_key(profile)
    message = str(caught.value)
    assert message == (
        f"profile 'work': api_key_command: {PY} exited with status 3: vault is locked"
    )
    assert KEY not in message
    assert isinstance(caught.value, MissingKeyError)
    assert KEY not in _traceback_locals(caught.value)


def test_a_command_that_prints_nothing(cfg: Path) -> None:
    profile = key_config(cfg, f"api_key_command = {tomlstr([PY, '-c', 'pass'])}").profile("work")
    with pytest.raises(
        KeyCommandError, match=r"^profile 'work': api_key_command: .* printed nothing$"
    ):
        resolve_api_key(profile)


def test_a_command_that_does_not_exist(cfg: Path) -> None:
    profile = key_config(cfg, 'api_key_command = ["no-such-program-tl"]').profile("work")
    with pytest.raises(KeyCommandError, match="no-such-program-tl: command not found"):
        resolve_api_key(profile)


def test_a_command_that_hangs_is_stopped(cfg: Path) -> None:
    hang = tomlstr([PY, "-c", "import time; time.sleep(60)"])
    profile = key_config(cfg, f"api_key_command = {hang}").profile("work")
    with pytest.raises(KeyCommandError, match=r"did not finish within 0\.2 s"):
        resolve_api_key(profile, timeout=0.2)


def test_chat_key_sources(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bridge = 'engine = "chat"\nchat_base_url = "http://localhost:1/v1"\nchat_model = "m"\n'
    write(
        cfg,
        'default_profile = "a"\n'
        f'[profiles.a]\n{bridge}chat_api_key_env = "CHAT_KEY"\n'
        f"[profiles.b]\n{bridge}chat_api_key_command = {tomlstr([PY, '-c', 'print(42)'])}\n",
    )
    config = load_config(cfg)
    with pytest.raises(MissingKeyError, match="chat_api_key_env names CHAT_KEY"):
        resolve_chat_api_key(config.profile("a"))
    monkeypatch.setenv("CHAT_KEY", KEY)
    from_env = resolve_chat_api_key(config.profile("a"))
    from_command = resolve_chat_api_key(config.profile("b"))
    assert from_env is not None
    assert from_env.get_secret_value() == KEY
    assert from_command is not None
    assert from_command.get_secret_value() == "42"
    assert resolve_api_key(config.profile("a")) is None  # the remote key is separate


# --- the key stays secret -----------------------------------------------------------------


def _traceback_locals(exc: BaseException) -> str:
    """Every local of every frame an error (and its causes) went through, outside this file."""
    seen: list[str] = []
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        tb: TracebackType | None = current.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename != __file__:
                seen.extend(repr(v) for v in tb.tb_frame.f_locals.values())
            tb = tb.tb_next
        pending += [current.__cause__, current.__context__]
    return "\n".join(seen)


def test_the_key_is_never_in_repr_str_or_dumps(cfg: Path) -> None:
    write(
        cfg,
        'default_profile = "work"\n'
        + remote(extra=f'api_key = "{KEY}"\n')
        + '[profiles.c]\nengine = "chat"\nchat_base_url = "http://localhost:1/v1"\n'
        + f'chat_model = "m"\nchat_api_key = "{KEY}"\n',
    )
    config = load_config(cfg)
    for shown in (repr(config), str(config), repr(config.profile()), config.model_dump_json()):
        assert KEY not in shown
    assert KEY not in repr(config.model_dump())
    masked = mask_secrets(config)
    assert masked["profiles"]["work"]["api_key"] == MASK
    assert masked["profiles"]["c"]["chat_api_key"] == MASK
    assert KEY not in repr(masked)


def test_mask_hides_credential_like_headers_query_and_env(cfg: Path) -> None:
    write(
        cfg,
        remote(
            extra=f'headers = {{ "X-Api-Key" = "{KEY}", "X-Team" = "r" }}\n'
            f'query = {{ "code" = "{KEY}", "api-version" = "1" }}\n'
        )
        + f'\n[tools.f]\ncommand = ["x"]\nenv = {{ "SERVICE_TOKEN" = "{KEY}", "UNITS" = "si" }}\n'
        + "[profiles.local]\n",
    )
    masked = mask_secrets(load_config(cfg))
    assert masked["profiles"]["work"]["headers"] == {"X-Api-Key": MASK, "X-Team": "r"}
    assert masked["profiles"]["work"]["query"] == {"code": MASK, "api-version": "1"}
    assert masked["tools"]["f"]["env"] == {"SERVICE_TOKEN": MASK, "UNITS": "si"}
    assert KEY not in repr(masked)


@pytest.mark.parametrize(
    "text",
    [
        remote(extra=f'api_kye = "{KEY}"\n'),  # unknown key: pydantic would echo the value
        remote(extra=f'api_key = "{KEY}"\ntimeout = "x"\n'),
        f'[profiles.work]\napi_key = "{KEY}"\nbackend = "remote"\n',  # cross-field error
        f'[profiles.work]\napi_key = "{KEY}"\n[profiles\n',  # invalid TOML
    ],
    ids=["unknown-key", "type-error", "cross-field", "invalid-toml"],
)
def test_the_key_is_never_in_a_config_error_or_its_traceback(text: str, cfg: Path) -> None:
    write(cfg, text)
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert KEY not in str(caught.value)
    assert KEY not in "".join(traceback.format_exception(caught.value))
    assert KEY not in _traceback_locals(caught.value)


# --- saving -------------------------------------------------------------------------------


def test_save_updates_only_the_given_keys_and_keeps_unknown_ones(cfg: Path) -> None:
    write(
        cfg,
        'future_option = [1, 2]\ntheme = "old"\n'
        + remote(extra=f'api_key = "{KEY}"\nfuture_profile_key = "kept"\n'),
    )
    cfg.write_text('default_profile = "work"\n' + cfg.read_text())
    save_settings({"theme": "new", "profiles.work.assistant_id": "asst_9"}, cfg)
    data = tomllib.loads(cfg.read_text())
    assert data["theme"] == "new"
    assert data["future_option"] == [1, 2]
    assert data["default_profile"] == "work"
    assert data["profiles"]["work"]["assistant_id"] == "asst_9"
    assert data["profiles"]["work"]["future_profile_key"] == "kept"
    assert data["profiles"]["work"]["api_key"] == KEY
    assert data["profiles"]["work"]["base_url"] == "https://h.example/v1"


def test_save_creates_a_private_file_in_a_private_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "threadline" / "config.toml"
    assert save_settings({"theme": "dark"}, target) == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert load_config(target).theme == "dark"


def test_save_defaults_to_the_config_path_and_tightens_the_mode() -> None:
    write(config_path(), 'theme = "a"\n', mode=0o644)
    save_settings({"theme": "b"})
    assert load_config().theme == "b"
    assert stat.S_IMODE(config_path().stat().st_mode) == 0o600


def test_save_none_removes_a_key_and_tuples_allow_dotted_names(cfg: Path) -> None:
    write(cfg, 'theme = "a"\ndefault_profile = "a.b"\n[profiles."a.b"]\n')
    save_settings({"theme": None, ("profiles", "a.b", "timeout"): 5}, cfg)
    config = load_config(cfg)
    assert config.theme is None
    assert config.profile().timeout == 5


def test_save_is_atomic_a_failed_write_leaves_the_old_file(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(cfg, 'theme = "old"\n')

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ConfigError, match="cannot write: No space left on device"):
        save_settings({"theme": "new"}, cfg)
    assert cfg.read_text() == 'theme = "old"\n'
    assert os.listdir(cfg.parent) == ["config.toml"]  # the temp file is gone


def test_save_never_rewrites_a_file_that_is_not_toml(cfg: Path) -> None:
    write(cfg, "this is [not toml\n# a comment\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        save_settings({"theme": "x"}, cfg)
    assert cfg.read_text() == "this is [not toml\n# a comment\n"


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"them": "x"}, "them: not a setting"),
        ({"profiles.work.colour": "x"}, "profiles.work.colour: not a setting"),
        ({"theme": 5}, "theme: Input should be a valid string"),
        ({"profiles.work.timeout": -1}, "profiles.work.timeout: Input should be greater than 0"),
        ({"profiles.bad name.timeout": 1}, 'profiles."bad name".timeout: Value error, profile'),
        ({"default_profile": "nope"}, "saving would make the config invalid: default_profile"),
        ({"theme.x": 1}, "theme.x: not a setting"),
    ],
)
def test_save_refuses_values_that_do_not_fit(
    values: dict[str, object], problem: str, cfg: Path
) -> None:
    write(cfg, 'theme = "a"\n')
    with pytest.raises(ValueError, match="^" + problem.replace(".", r"\.").replace("(", r"\(")):
        save_settings(values, cfg)
    assert cfg.read_text() == 'theme = "a"\n'


# --- warnings -----------------------------------------------------------------------------


def test_a_key_in_a_file_others_can_read_is_a_warning(cfg: Path) -> None:
    write(cfg, remote(extra=f'api_key = "{KEY}"\n') + "[profiles.local]\n", mode=0o644)
    warnings = load_config(cfg).warnings
    assert warnings == (f"{cfg} is readable by other users and contains an API key; chmod 600 it",)
    cfg.chmod(0o600)
    assert load_config(cfg).warnings == ()


def test_a_readable_file_without_a_key_is_fine(cfg: Path) -> None:
    write(cfg, remote(extra='api_key_env = "K"\n') + "[profiles.local]\n", mode=0o644)
    assert load_config(cfg).warnings == ()


def test_a_file_others_can_write_is_a_warning(cfg: Path) -> None:
    write(cfg, '[tools.f]\ncommand = ["x"]\n', mode=0o666)
    assert any("writable by other users" in w for w in load_config(cfg).warnings)


def test_a_key_sent_over_plain_http_to_another_host_is_a_warning(cfg: Path) -> None:
    text = '[profiles.local]\n[profiles.w]\nbackend = "remote"\napi_key_env = "K"\nbase_url = '
    write(cfg, text + '"http://10.0.0.5/v1"\n')
    assert any("profiles.w.base_url uses http://" in w for w in load_config(cfg).warnings)
    write(cfg, text + '"http://127.0.0.1:8765/v1"\n')
    assert load_config(cfg).warnings == ()


def tomlstr(items: list[str]) -> str:
    """A TOML array literal of strings (JSON strings are valid TOML basic strings)."""
    import json

    return json.dumps(items)
