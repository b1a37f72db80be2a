"""The HTTP client for Bot API calls: aiohttp, in python-telegram-bot's transport seam (`BaseRequest`).

Measured against python-telegram-bot's own `HTTPXRequest` in bench/transport.py (see
docs/performance.md, section 3). It behaves as `HTTPXRequest` does wherever the bot can tell:

- the same parameters and defaults: `connection_pool_size` 256, `read_timeout`, `write_timeout` and
  `connect_timeout` 5 s, `pool_timeout` 1 s; a timeout passed to a call (getUpdates passes its long
  poll's) replaces the default for that call, `DEFAULT_NONE` keeps it, None waits for ever;
- the same errors: a timeout is `TimedOut` (a full pool with python-telegram-bot's words), any other
  failure to talk to the server is `NetworkError("aiohttp.<type>: ...")`, raised from aiohttp's error;
  answers are returned as (status, body), so python-telegram-bot's `BaseRequest` reads them and turns
  4xx and 5xx into its errors, as for httpx;
- the same certificates: certifi's, or SSL_CERT_FILE's or SSL_CERT_DIR's when set;
- the same proxies: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (either case) from the environment,
  read once when the session is made, as httpx reads them when its client is made; or an explicit
  `proxy`. Only http:// and https:// proxies: aiohttp has no SOCKS.

Where aiohttp differs, and what covers it:

- aiohttp has no pool timeout (its `connect` timeout counts the wait for a free connection and the
  connecting together): a semaphore of `connection_pool_size` permits is the pool here, waited for
  at most `pool_timeout`, and the connector's limit is the same size, so it never makes a call wait;
- aiohttp has no write timeout: its read timeout (`sock_read`) starts once the request is written. The
  bot's requests are forms of a few kilobytes, which go into the kernel's socket buffer at once, so the
  write does not wait; `write_timeout` is accepted and not enforced. For that reason files are not
  uploaded (the bot sends none): a request with files is refused before anything is sent.
- `trust_env=True` would make aiohttp look up the proxy and ~/.netrc in a worker thread for every
  request (two thread hops a call); the environment is read once instead.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import urllib.request
from typing import Any

import aiohttp
import certifi
import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# What a failed call's error is raised from when the transport could not talk to the server (refused,
# closed, timed out): bot/telegram/retries.py tries those again. httpx: python-telegram-bot's HTTPXRequest,
# which the bot may still be built with (bot/telegram/frontend.py). TimeoutError (asyncio's): the pool wait.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError, TimeoutError, httpx.HTTPError)

POOL_TIMEOUT = (  # python-telegram-bot's words for it
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* sent to "
    "Telegram. Consider adjusting the connection pool size or the pool timeout."
)
PROXY_SCHEMES = ("http", "https")
KEEPALIVE = 5.0  # seconds an idle connection is kept: httpx's keepalive_expiry


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session, made when first needed inside the running event loop."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        proxy: str | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        if proxy is not None:
            _check_proxy(proxy, "proxy")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout  # write_timeout: see the module's docstring
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._proxy = proxy
        self._session: aiohttp.ClientSession | None = None
        self._pool = asyncio.Semaphore(connection_pool_size)  # made again with each session
        self._shut = False  # shut down, and not initialized since: calls are refused, as by HTTPXRequest
        self._environment: dict[str, str] = {}
        self._proxies: dict[tuple[str, str], str | None] = {}  # (scheme, host) -> proxy, from the environment

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._shut = False
        if self._session is None or self._session.closed:
            self._session = self._new_session()

    async def shutdown(self) -> None:
        self._shut = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _new_session(self) -> aiohttp.ClientSession:
        """Inside the running loop (aiohttp binds the session to it)."""
        self._environment = urllib.request.getproxies_environment()
        self._proxies.clear()
        self._pool = asyncio.Semaphore(self._pool_size)
        connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=KEEPALIVE, ssl=_tls())
        return aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def do_request(  # noqa: PLR0917 - the signature is python-telegram-bot's
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._shut:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        if request_data is not None and request_data.contains_files:
            raise NotImplementedError(
                "AiohttpRequest does not upload files (it cannot time out a stalled upload); "
                "build the bot with HTTPXRequest to send files"
            )
        if self._session is None:
            self._session = self._new_session()
        session, pool = self._session, self._pool
        connect = self._connect_timeout if _default(connect_timeout) else connect_timeout
        timeout = aiohttp.ClientTimeout(
            total=None,
            # `connect`: name lookup, connecting, TLS, a proxy's tunnel (and a wait for a free connection,
            # which the pool below spares the connector); `sock_connect`: each attempt to connect.
            connect=connect,
            sock_connect=connect,
            sock_read=self._read_timeout if _default(read_timeout) else read_timeout,
        )
        data = request_data.json_parameters if request_data is not None else None
        if pool.locked():  # every connection busy: wait for one, as long as the pool timeout allows
            try:
                async with asyncio.timeout(self._pool_timeout if _default(pool_timeout) else pool_timeout):
                    await pool.acquire()
            except TimeoutError as error:
                raise TimedOut(POOL_TIMEOUT) from error
        else:
            await pool.acquire()  # at once
        try:
            async with session.request(
                method, url, data=data or None, timeout=timeout, proxy=self._proxy_for(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's ServerTimeoutError: connecting, or waiting for the answer
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        finally:
            pool.release()

    def _proxy_for(self, url: str) -> str | None:
        """The explicit proxy, else the environment's for the URL's scheme unless NO_PROXY names its host."""
        if self._proxy is not None or not self._environment:
            return self._proxy
        scheme, _, rest = url.partition("://")
        host = rest.split("/", 1)[0].rpartition("@")[2]
        key = (scheme.lower(), host)
        if key not in self._proxies:
            name = key[0] if key[0] in self._environment else "all"
            proxy = self._environment.get(name)
            if proxy is not None and urllib.request.proxy_bypass(host, self._environment):
                proxy = None
            if proxy is not None:
                _check_proxy(proxy, f"{name.upper()}_PROXY")
            self._proxies[key] = proxy
        return self._proxies[key]


def _tls() -> ssl.SSLContext:
    """The certificates httpx trusts: SSL_CERT_FILE's or SSL_CERT_DIR's when set, else certifi's bundle
    (aiohttp's own default would be the system's, which a slim container may lack)."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def _default(value: object) -> bool:
    """python-telegram-bot's DEFAULT_NONE (or another default marker): use the transport's own value."""
    return isinstance(value, DefaultValue)


def _check_proxy(proxy: str, where: str) -> None:
    scheme, _, rest = proxy.rpartition("://")
    if scheme.lower() not in PROXY_SCHEMES:
        shown = f"{scheme}://{rest.rpartition('@')[2]}" if scheme else rest.rpartition("@")[2]  # no password
        raise ValueError(
            f"{where} {shown!r} is not supported: only http:// and https:// proxies (aiohttp has no SOCKS)"
        )
