"""The bot's settings: config.yaml over the embedded defaults, and TELEGRAM_BOT_TOKEN."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import cast
from urllib.parse import urlsplit

import yaml

from bot.dialog.text import PLACEHOLDER_MAX_CHARS
from bot.problems import ConfigError, LoadError
from bot.strict_yaml import BOOL, FLOAT, INT, Reader, line_of, parse_yaml, read_yaml

DEFAULTS = Path(__file__).with_name("defaults.yaml")
DEFAULT_RETENTION_DAYS = 30  # privacy.retention_days when the config does not say
TOKEN_VARIABLE = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - the name of a variable, not a secret

_KEYS = {"telegram", "storage", "dialogs", "dialog", "clinic", "admins", "privacy", "signoff"}
SIGNOFF_MODES = ("warn", "required")  # signoff: serve unsigned content with a warning, or never
_TELEGRAM_KEYS = {"token", "base_url", "webhook", "rate_limit"}
_WEBHOOK_KEYS = {"url", "listen", "port", "secret_token"}
_RATE_LIMIT_KEYS = {"messages_per_second", "chat_burst", "chat_messages_per_second"}
_STORAGE_KEYS = {"url"}
_CLINIC_KEYS = {"name", "phone", "booking_url", "emergency_number"}
_PRIVACY_KEYS = {"retention_days"}
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # setWebhook's rule for secret_token
_SECRET_RULE = "1 to 256 letters, digits, _ or -"  # noqa: S105 - a rule, not a secret


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    booking_url: str
    emergency_number: str

    def placeholders(self) -> dict[str, str]:
        """Values for the dialog placeholders {clinic_name}, {clinic_phone}, ..."""
        return {
            "clinic_name": self.name,
            "clinic_phone": self.phone,
            "booking_url": self.booking_url,
            "emergency_number": self.emergency_number,
        }


@dataclass(frozen=True)
class Webhook:
    """Receive updates by HTTPS push instead of polling (several instances behind a balancer)."""

    url: str
    listen: str
    port: int
    secret_token: str

    def __repr__(self) -> str:
        return f"Webhook(url={self.url!r}, listen={self.listen!r}, port={self.port})"


@dataclass(frozen=True)
class RateLimit:
    """Telegram's flood limits as the bot keeps to them (bot/telegram/limits.py); only messages count."""

    messages_per_second: float  # all chats together (Telegram: about 30)
    chat_burst: int  # messages to one chat at once ...
    chat_messages_per_second: float  # ... then this many a second on average (Telegram: about 1)


@dataclass(frozen=True)
class Config:
    token: str | None
    base_url: str
    webhook: Webhook | None
    rate_limit: RateLimit | None  # None: no caps (a test server, a benchmark)
    storage_url: str
    dialogs_dir: Path
    dialog: str
    clinic: Clinic
    admins: tuple[int, ...]
    retention_days: int  # sessions untouched this long are erased
    source: str  # the file it came from, or "the embedded defaults"
    lines: Mapping[str, int]  # 'section.key' -> its line in that file, for messages about its value
    emergency_number_set: bool  # named by the clinic's own file, not taken from the defaults
    signoff: str = "warn"  # "required": `run` and hot reload serve only content a clinician signed

    @property
    def signoff_required(self) -> bool:
        return self.signoff == "required"

    def __repr__(self) -> str:  # never print the token, not even in a traceback or a log
        return f"Config(source={self.source!r}, dialog={self.dialog!r})"


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """The defaults, overlaid with `path` (if given) and the environment's token."""
    environ = os.environ if environ is None else environ
    values = _read_layer(parse_yaml(DEFAULTS.read_bytes(), str(DEFAULTS)), Reader(str(DEFAULTS)))
    own: dict[str, object] = {}
    if path is not None:
        try:
            node = read_yaml(path)
        except LoadError as error:
            raise ConfigError(error.problems) from None
        reader = Reader(str(path))
        own = _read_layer(node, reader)
        if reader.problems:
            raise ConfigError(reader.problems)
        values.update(own)
    base = path.parent if path is not None else Path.cwd()
    token = environ.get(TOKEN_VARIABLE) or values.get("telegram.token") or None
    return Config(
        token=str(token) if token else None,
        base_url=str(values["telegram.base_url"]),
        webhook=cast(Webhook | None, values.get("telegram.webhook")),
        rate_limit=_rate_limit(values),
        storage_url=_resolve_sqlite(str(values["storage.url"]), base),
        dialogs_dir=base / str(values["dialogs"]),
        dialog=str(values["dialog"]),
        clinic=Clinic(
            name=str(values["clinic.name"]),
            phone=str(values["clinic.phone"]),
            booking_url=str(values["clinic.booking_url"]),
            emergency_number=str(values["clinic.emergency_number"]),
        ),
        admins=cast(tuple[int, ...], values["admins"]),
        retention_days=cast(int, values.get("privacy.retention_days", DEFAULT_RETENTION_DAYS)),
        source=str(path) if path else "the embedded defaults",
        lines=MappingProxyType(_key_lines(node) if path is not None else {}),
        emergency_number_set="clinic.emergency_number" in own,
        signoff=str(values["signoff"]),
    )


def _rate_limit(values: Mapping[str, object]) -> RateLimit | None:
    """The caps, each key from the clinic's file or else from the defaults; None after `rate_limit: false`."""
    if values.get("telegram.rate_limit") is False:
        return None
    return RateLimit(
        messages_per_second=float(cast(float, values["telegram.rate_limit.messages_per_second"])),
        chat_burst=cast(int, values["telegram.rate_limit.chat_burst"]),
        chat_messages_per_second=float(cast(float, values["telegram.rate_limit.chat_messages_per_second"])),
    )


def _key_lines(node: yaml.Node) -> dict[str, int]:
    """The line of every key and 'section.key' in a config file."""
    lines: dict[str, int] = {}
    for key, value in node.value if isinstance(node, yaml.MappingNode) else ():
        lines[str(key.value)] = line_of(key)
        for inner, _ in value.value if isinstance(value, yaml.MappingNode) else ():
            lines[f"{key.value}.{inner.value}"] = line_of(inner)
    return lines


def _resolve_sqlite(url: str, base: Path) -> str:
    """A relative sqlite path is relative to the config file, not to where the bot was started."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not Path(url[len(prefix) :]).is_absolute():
        return prefix + str(base / url[len(prefix) :])
    return url


def _read_layer(node: yaml.Node, r: Reader) -> dict[str, object]:
    """One config file as a flat dict of 'section.key' -> value; problems go to `r`."""
    out: dict[str, object] = {}
    top = r.mapping(node, "the config", _KEYS)
    if top is None:
        return out
    sections = (("telegram", _TELEGRAM_KEYS), ("storage", _STORAGE_KEYS), ("clinic", _CLINIC_KEYS))
    for section, keys in sections:
        for key, value_node in (
            (r.mapping(top[section], section, keys) or {}).items() if section in top else ()
        ):
            what = f"{section}.{key}"
            if key == "token" and _is_null(value_node):
                continue
            if key == "webhook":
                webhook = _read_webhook(value_node, r)
                if webhook is not None:
                    out[what] = webhook
                continue
            if key == "rate_limit":
                out.update(_read_rate_limit(value_node, r))
                continue
            value = r.text(value_node, what)
            problem = _value_problem(section, key, value) if value is not None else None
            if problem:
                r.problem(value_node, f"{what} {problem}")
            elif value is not None:
                out[what] = value
    for key in ("dialogs", "dialog"):
        if key in top and (value := r.text(top[key], key)) is not None:
            out[key] = value
    if "admins" in top:
        ids = [
            r.integer(item, "admins: a Telegram user id")
            for item in r.sequence(top["admins"], "admins") or []
        ]
        out["admins"] = tuple(i for i in ids if i is not None)
    out.update(_read_sections(top, r))
    return out


def _read_sections(top: dict[str, yaml.Node], r: Reader) -> dict[str, object]:
    """The settings with their own rules: privacy, signoff."""
    out: dict[str, object] = {}
    for key, read in (("privacy", _read_privacy), ("signoff", _read_signoff)):
        if key in top:
            out.update(read(top[key], r))
    return out


def _read_signoff(node: yaml.Node, r: Reader) -> dict[str, object]:
    mode = r.text(node, "signoff")
    if mode is not None and mode not in SIGNOFF_MODES:
        r.problem(
            node, f"signoff should be required (serve only what a clinician signed) or warn, not '{mode}'"
        )
        return {}
    return {} if mode is None else {"signoff": mode}


def _read_privacy(node: yaml.Node, r: Reader) -> dict[str, object]:
    fields = r.mapping(node, "privacy", _PRIVACY_KEYS) or {}
    if "retention_days" not in fields:
        return {}
    days = r.integer(fields["retention_days"], "privacy.retention_days")
    if days is not None and days < 1:
        r.problem(fields["retention_days"], "privacy.retention_days should be 1 or more (days)")
        return {}
    return {} if days is None else {"privacy.retention_days": days}


def _read_webhook(node: yaml.Node, r: Reader) -> Webhook | None:
    fields = r.mapping(node, "telegram.webhook", _WEBHOOK_KEYS, ("url",))
    if fields is None or "url" not in fields:
        return None
    url = r.text(fields["url"], "telegram.webhook.url")
    if url is not None and not (url.startswith("https://") or _is_local_http(url)):
        r.problem(
            fields["url"],
            "telegram.webhook.url should start with https:// (Telegram requires it); "
            "http:// is accepted only for 127.0.0.1 or localhost, as with a local test server",
        )
        return None
    # Behind a reverse proxy or load balancer on the same machine by default; another address only when
    # configured (e.g. this instance's own address behind a balancer).
    listen = r.text(fields["listen"], "telegram.webhook.listen") if "listen" in fields else "127.0.0.1"
    port = r.integer(fields["port"], "telegram.webhook.port") if "port" in fields else 8443
    secret = _read_secret(node, fields, r)
    if url is None or listen is None or port is None or secret is None:
        return None
    return Webhook(url, listen, port, secret)


def _read_rate_limit(node: yaml.Node, r: Reader) -> dict[str, object]:
    """`false`, or some of the three caps (the others stay as the defaults say)."""
    what = "telegram.rate_limit"
    if isinstance(node, yaml.ScalarNode) and node.tag == BOOL:
        if r.flag(node, what):
            r.problem(
                node,
                f"{what}: true is not a setting, the caps are on unless turned off; leave the line out for "
                "Telegram's limits, or write false to send without caps",
            )
            return {}
        return {what: False}
    if not isinstance(node, yaml.MappingNode):
        r.problem(
            node,
            f"{what} should be false (send without caps: a test server, a benchmark) or "
            f"some of the keys {', '.join(sorted(_RATE_LIMIT_KEYS))}; leave it out for Telegram's limits",
        )
        return {}
    out: dict[str, object] = {what: True}
    rules = {
        "messages_per_second": "a number above 0: 30 (Telegram's limit for the whole bot), or 30 divided "
        "by the number of instances; to send without caps write rate_limit: false",
        "chat_burst": "a whole number, 1 or more: how many messages one chat may get at once (such as 10)",
        "chat_messages_per_second": "a number above 0, such as 1 (Telegram: about one message a second "
        "in one chat)",
    }
    for key, value_node in (r.mapping(node, what, _RATE_LIMIT_KEYS) or {}).items():
        value = _positive_number(value_node, whole=key == "chat_burst")
        if value is None:
            r.problem(value_node, f"{what}.{key} should be {rules[key]}")
        else:
            out[f"{what}.{key}"] = value
    return out


def _positive_number(node: yaml.Node, *, whole: bool) -> float | None:
    """A finite number above 0 as YAML wrote it (a whole one if `whole`), or None."""
    tags = (INT,) if whole else (INT, FLOAT)
    if not isinstance(node, yaml.ScalarNode) or node.tag not in tags:
        return None
    written = str(node.value).replace("_", "")
    try:
        number = int(written, 0) if whole else float(written)
    except ValueError:  # YAML 1.1 also reads 1:30 (sexagesimal), 010 (octal), .inf and .nan as numbers
        return None
    return number if math.isfinite(number) and number > 0 else None


def _read_secret(node: yaml.Node, fields: Mapping[str, yaml.Node], r: Reader) -> str | None:
    """Required: without it anyone who finds the port can post taps into a patient's chat."""
    if "secret_token" not in fields:
        r.problem(
            node,
            f"telegram.webhook needs a secret_token ({_SECRET_RULE}): Telegram sends it with every update, "
            "and the bot refuses posts without it",
        )
        return None
    secret = r.text(fields["secret_token"], "telegram.webhook.secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        r.problem(
            fields["secret_token"],
            f"telegram.webhook.secret_token should be {_SECRET_RULE} (Telegram allows no other characters)",
        )
        return None
    return secret


def _is_local_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")


def _value_problem(section: str, key: str, value: str) -> str | None:
    if section == "clinic" and len(value) > PLACEHOLDER_MAX_CHARS:
        return f"is longer than {PLACEHOLDER_MAX_CHARS} characters; shorten it"
    if key == "url" and not value.startswith(("sqlite:///", "postgresql://")):
        return "should start with sqlite:/// (a file) or postgresql:// (a server)"
    if key == "base_url" and not value.startswith(("http://", "https://")):
        return "should start with http:// or https://"
    return None


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")
