"""The clinic's settings: defaults, its own config.yaml, the token from the environment, clear errors."""

from __future__ import annotations

import pytest

from bot.config import RateLimit, load_config
from bot.problems import ConfigError

TOKEN = "123456:AAE-secret-token-value"  # noqa: S105 - made-up tokens for the tests
FILE_TOKEN = "654321:AAE-token-in-the-file"  # noqa: S105


def write_config(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path):
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    return str(error.value)


def test_without_a_file_the_embedded_defaults_are_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, environ={})
    assert config.token is None
    assert config.base_url == "https://api.telegram.org/bot"
    assert config.storage_url == f"sqlite:///{tmp_path}/clinic-bot.sqlite3"
    assert (config.dialogs_dir, config.dialog) == (tmp_path / "dialogs", "upper-back-pain")
    assert config.clinic.placeholders() == {
        "clinic_name": "Example Clinic",
        "clinic_phone": "+1 555 0100",
        "booking_url": "https://clinic.example/book",
        "emergency_number": "911",
    }
    assert (config.admins, config.source) == ((), "the embedded defaults")
    assert not config.emergency_number_set


def test_the_clinics_file_overrides_the_defaults_and_keeps_the_rest(tmp_path):
    path = write_config(
        tmp_path,
        'clinic:\n  name: Health Hub\n  emergency_number: "112"\ndialog: upper-back-pain\nadmins: [42, 43]\n',
    )
    config = load_config(path, environ={})
    assert (config.clinic.name, config.clinic.emergency_number, config.clinic.phone) == (
        "Health Hub",
        "112",
        "+1 555 0100",
    )
    assert (config.dialog, config.admins, config.source) == ("upper-back-pain", (42, 43), str(path))
    assert config.emergency_number_set


def test_relative_paths_are_relative_to_the_config_file_not_to_where_the_bot_started(tmp_path, monkeypatch):
    folder = tmp_path / "clinic"
    folder.mkdir()
    path = write_config(folder, "storage:\n  url: sqlite:///data/bot.sqlite3\ndialogs: my-dialogs\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(path, environ={})
    assert config.storage_url == f"sqlite:///{folder}/data/bot.sqlite3"
    assert config.dialogs_dir == folder / "my-dialogs"


def test_an_unquoted_emergency_number_keeps_its_leading_zeros(tmp_path):
    """Australia's 000 would be the number 0 in YAML 1.1; we keep the text as written."""
    config = load_config(write_config(tmp_path, "clinic:\n  emergency_number: 000\n"), environ={})
    assert config.clinic.emergency_number == "000"


def test_the_token_from_the_environment_wins_over_the_file(tmp_path):
    path = write_config(tmp_path, f"telegram:\n  token: {FILE_TOKEN}\n")
    assert load_config(path, environ={"TELEGRAM_BOT_TOKEN": TOKEN}).token == TOKEN
    assert load_config(path, environ={}).token == FILE_TOKEN


def test_a_null_token_in_the_file_means_no_token(tmp_path):
    path = write_config(tmp_path, "telegram:\n  token: null\n")
    assert load_config(path, environ={}).token is None


def test_the_config_never_shows_the_token_when_printed_or_logged(tmp_path):
    config = load_config(None, environ={"TELEGRAM_BOT_TOKEN": TOKEN})
    assert config.token == TOKEN
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config)
    assert TOKEN not in f"{config!r} {[config]} {config.clinic!r}"


def test_an_unknown_key_suggests_the_closest_and_names_its_line(tmp_path):
    path = write_config(tmp_path, "clinic:\n  name: Health Hub\n  phnoe: '555 0100'\n")
    assert refusal(path) == (
        f"{path}:3: clinic: unknown key 'phnoe' (did you mean 'phone'?); "
        "allowed: booking_url, emergency_number, name, phone"
    )


def test_a_storage_url_that_is_neither_sqlite_nor_postgresql_is_refused(tmp_path):
    path = write_config(tmp_path, "storage:\n  url: mysql://localhost/bot\n")
    assert refusal(path) == (
        f"{path}:2: storage.url should start with sqlite:/// (a file) or postgresql:// (a server)"
    )


def test_a_clinic_value_longer_than_the_dialog_checks_allow_is_refused(tmp_path):
    """Message lengths are checked with placeholders of 200 characters, so longer ones are refused."""
    path = write_config(tmp_path, f"clinic:\n  name: {'x' * 201}\n")
    assert refusal(path) == f"{path}:2: clinic.name is longer than 200 characters; shorten it"


def test_an_unquoted_yes_as_a_clinic_value_must_be_quoted(tmp_path):
    path = write_config(tmp_path, "clinic:\n  name: Yes\n")
    assert refusal(path) == f'{path}:2: clinic.name: YAML reads Yes as true/false; put it in quotes: "Yes"'


def test_admins_must_be_telegram_user_ids(tmp_path):
    path = write_config(tmp_path, "admins: [42, alice]\n")
    assert refusal(path) == f"{path}:1: admins: a Telegram user id should be a whole number"


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    path = write_config(tmp_path, "storage:\n  url: mysql://x\nclinic:\n  nmae: Hub\n")
    assert [line.split(": ", 1)[0] for line in refusal(path).splitlines()] == [f"{path}:2", f"{path}:4"]


def test_a_missing_config_file_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    assert refusal(path) == f"{path}:1: cannot read the file: No such file or directory"


def test_a_webhook_url_must_be_https_except_on_this_machine(tmp_path):
    """Telegram posts only to HTTPS; plain http is for a local Bot API server, as in the tests."""
    path = write_config(tmp_path, "telegram:\n  webhook:\n    url: http://bot.clinic.example/telegram\n")
    assert refusal(path) == (
        f"{path}:3: telegram.webhook.url should start with https:// (Telegram requires it); "
        "http:// is accepted only for 127.0.0.1 or localhost, as with a local test server"
    )
    for url in (
        "http://127.0.0.1:8443/telegram",
        "http://localhost/telegram",
        "https://bot.clinic.example/t",
    ):
        path = write_config(
            tmp_path, f"telegram:\n  webhook:\n    url: {url}\n    port: 9000\n    secret_token: s-3_c\n"
        )
        webhook = load_config(path, environ={}).webhook
        assert webhook is not None
        assert (webhook.url, webhook.listen, webhook.port) == (url, "127.0.0.1", 9000)


def test_a_webhook_without_a_secret_token_is_refused_with_its_line(tmp_path):
    """Without it anyone who finds the port can post taps into a patient's chat."""
    path = write_config(tmp_path, "telegram:\n  webhook:\n    url: https://bot.clinic.example/t\n")
    assert refusal(path) == (
        f"{path}:3: telegram.webhook needs a secret_token (1 to 256 letters, digits, _ or -): Telegram "
        "sends it with every update, and the bot refuses posts without it"
    )
    for bad in ("has space", "x" * 257, "semi;colon"):
        text = f"telegram:\n  webhook:\n    url: https://bot.clinic.example/t\n    secret_token: {bad!s}\n"
        path = write_config(tmp_path, text.replace("has space", '"has space"'))
        assert refusal(path) == (
            f"{path}:4: telegram.webhook.secret_token should be 1 to 256 letters, digits, _ or - "
            "(Telegram allows no other characters)"
        ), bad


def test_without_rate_limit_the_bot_keeps_to_telegrams_flood_limits(tmp_path):
    """About 30 messages a second in all, about one a second per chat after a short burst."""
    assert load_config(None, environ={}).rate_limit == RateLimit(30, 10, 1)
    path = write_config(tmp_path, "telegram:\n  base_url: http://127.0.0.1:8081/bot\n")
    assert load_config(path, environ={}).rate_limit == RateLimit(30, 10, 1)


def test_a_rate_limit_key_left_out_keeps_its_default(tmp_path):
    """Two instances share Telegram's 30 a second: each says 15, and keeps the per-chat defaults."""
    path = write_config(tmp_path, "telegram:\n  rate_limit:\n    messages_per_second: 15\n")
    assert load_config(path, environ={}).rate_limit == RateLimit(15, 10, 1)
    path = write_config(
        tmp_path,
        "telegram:\n  rate_limit:\n    messages_per_second: 7.5\n    chat_burst: 3\n"
        "    chat_messages_per_second: 0.5\n",
    )
    assert load_config(path, environ={}).rate_limit == RateLimit(7.5, 3, 0.5)


def test_rate_limit_false_turns_the_caps_off(tmp_path):
    path = write_config(tmp_path, "telegram:\n  rate_limit: false\n")
    assert load_config(path, environ={}).rate_limit is None


def test_rate_limit_true_is_refused_with_what_to_write_instead(tmp_path):
    path = write_config(tmp_path, "telegram:\n  rate_limit: true\n")
    assert refusal(path) == (
        f"{path}:2: telegram.rate_limit: true is not a setting, the caps are on unless turned off; leave "
        "the line out for Telegram's limits, or write false to send without caps"
    )


@pytest.mark.parametrize("value", ["", " 30", " fast", " [30]"])
def test_a_rate_limit_that_is_neither_false_nor_keys_is_refused(tmp_path, value):
    path = write_config(tmp_path, f"telegram:\n  rate_limit:{value}\n")
    assert refusal(path) == (
        f"{path}:2: telegram.rate_limit should be false (send without caps: a test server, a benchmark) "
        "or some of the keys chat_burst, chat_messages_per_second, messages_per_second; leave "
        "it out for Telegram's limits"
    )


def test_an_unknown_rate_limit_key_suggests_the_closest(tmp_path):
    path = write_config(tmp_path, "telegram:\n  rate_limit:\n    burst: 5\n")
    assert refusal(path) == (
        f"{path}:3: telegram.rate_limit: unknown key 'burst' (did you mean 'chat_burst'?); "
        "allowed: chat_burst, chat_messages_per_second, messages_per_second"
    )


@pytest.mark.parametrize("value", ["0", "-30", "fast", '"30"', ".inf", "yes", "[30]", ""])
def test_messages_per_second_must_be_a_number_above_zero(tmp_path, value):
    path = write_config(tmp_path, f"telegram:\n  rate_limit:\n    messages_per_second: {value}\n")
    assert refusal(path) == (
        f"{path}:3: telegram.rate_limit.messages_per_second should be a number above 0: 30 (Telegram's "
        "limit for the whole bot), or 30 divided by the number of instances; to send without caps write "
        "rate_limit: false"
    )


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "ten"])
def test_chat_burst_must_be_a_whole_number_of_one_or_more(tmp_path, value):
    path = write_config(tmp_path, f"telegram:\n  rate_limit:\n    chat_burst: {value}\n")
    assert refusal(path) == (
        f"{path}:3: telegram.rate_limit.chat_burst should be a whole number, 1 or more: how many messages "
        "one chat may get at once (such as 10)"
    )


@pytest.mark.parametrize("value", ["0", "-1", "1:30", ".nan"])
def test_chat_messages_per_second_must_be_a_number_above_zero(tmp_path, value):
    path = write_config(tmp_path, f"telegram:\n  rate_limit:\n    chat_messages_per_second: {value}\n")
    assert refusal(path) == (
        f"{path}:3: telegram.rate_limit.chat_messages_per_second should be a number above 0, such as 1 "
        "(Telegram: about one message a second in one chat)"
    )
