"""`make run`: start every process of the assistant, report where it listens, stop all on Ctrl-C."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.model_store import ensure_model
from bot.settings import ROOT, Settings

STARTUP_TIMEOUT_S = 240  # Rasa needs ~55 s on 2 cores to load TensorFlow and the model.
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class Service:
    name: str
    argv: List[str]
    health_url: Optional[str]  # None: up once started (a worker with no HTTP)
    env: Dict[str, str] = field(default_factory=dict)
    process: Optional[subprocess.Popen] = None


# Dev mode (no official account configured): make run brings a fake WeChat API on loopback and
# the simulator page, and the channel and the notifier talk to them with these values.
DEV_WECHAT = {"WECHAT_APPID": "wxfake00000000001", "WECHAT_SECRET": "fake-secret", "WECHAT_TOKEN": "red-butler-dev",
              "WECHAT_RESIDENT_TEMPLATE_ID": "dev-resident-template", "WECHAT_STAFF_TEMPLATE_ID": "dev-staff-template"}


def wechat_env(settings: Settings) -> Dict[str, str]:
    """What the channel (credentials.yml) and the notifier read, in live or in dev mode."""
    if not settings.wechat_dev_mode:
        return {"WECHAT_TOKEN": settings.wechat_token, "WECHAT_ENCODING_AES_KEY": settings.wechat_aes_key,
                "WECHAT_APPID": settings.wechat.appid}
    return {**DEV_WECHAT, "WECHAT_ENCODING_AES_KEY": settings.wechat_aes_key,
            "WECHAT_API_BASE_URL": f"http://127.0.0.1:{settings.wechat_fake_api_port}",
            "WECHAT_OAUTH_BASE_URL": f"http://127.0.0.1:{settings.wechat_fake_api_port}",
            # Template messages to staff link to the ticket in the console.
            "WECHAT_CONSOLE_URL": f"http://{settings.console_host}:{settings.console_port}/tickets/{{number}}"}


def choose_model(settings: Settings, log=print) -> Path:
    """The model an admin activated last (console or ``bot.cli model activate``) if its file is still
    there, else the model for the current inputs (trained first if there is none)."""
    from bot.model_store import model_name
    from bot.retraining.registry import ModelRegistry
    registry = ModelRegistry(settings.models_dir)
    activated = registry.active_path()
    if activated is None:
        return ensure_model(settings.training_root, settings.models_dir)
    record = registry.active()
    log(f"==> Model: {activated.name}, activated {record['at']} by {record['by']}")
    if activated.name != f"{model_name(settings.training_root)}.tar.gz":
        log("    (the training data changed since; to use it: python -m bot.cli model train --wait, "
            "then model activate — or retrain in the console)")
    return activated


def services(settings: Settings, model: Path, control_token: str = "") -> List[Service]:
    python = sys.executable
    wechat = wechat_env(settings)
    # The console and the CLI switch Rasa's model through bot.retraining.hot_swap (credentials.yml).
    control = {"MODEL_CONTROL_TOKEN": control_token, "MODELS_DIR": str(settings.models_dir)}
    actions = Service(
        name="actions",
        argv=[python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)],
        health_url=f"http://{settings.action_host}:{settings.action_port}/health",
        env={"SANIC_HOST": settings.action_host},
    )
    # `rasa run`, with our two fixes of Rasa's per-message overhead installed first (bot/rasa_server.py).
    rasa = Service(
        name="rasa",
        argv=[python, "-m", "bot.rasa_server", "run", "--enable-api", "--model", str(model),
              "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
              "--interface", settings.rasa_host, "--port", str(settings.rasa_port)],
        health_url=f"http://{settings.rasa_host}:{settings.rasa_port}/status",
        env={"ACTION_ENDPOINT_URL": settings.action_endpoint_url, "TRACKER_STORE_URL": settings.conversations_url,
             **wechat, **control},
    )
    notifier = Service(name="notifier", argv=[python, "-m", "bot.wechat.worker"], health_url=None, env=wechat)
    # Reception-day reminders, agendas, time limits: queues into the outbox the notifier delivers.
    scheduler = Service(name="scheduler", argv=[python, "-m", "bot.scheduler"], health_url=None)
    console_url = f"http://{settings.console_host}:{settings.console_port}"
    console = Service(name="console", argv=[python, "-m", "bot.console"], health_url=f"{console_url}/health",
                      env={**control, **wechat, "CONSOLE_PUBLIC_URL": settings.console_public_url or console_url}
                      if settings.wechat_dev_mode else control)
    if not settings.wechat_dev_mode:
        return [actions, rasa, notifier, scheduler, console]
    fake = Service(
        name="wechat-api",
        argv=[python, "-m", "bot.wechat.fake_api", "--port", str(settings.wechat_fake_api_port),
              "--appid", wechat["WECHAT_APPID"], "--secret", wechat["WECHAT_SECRET"]],
        health_url=f"http://127.0.0.1:{settings.wechat_fake_api_port}/_fake/requests",
    )
    simulator = Service(
        name="simulator",
        argv=[python, "-m", "bot.wechat.simulator", "--port", str(settings.simulator_port),
              "--webhook", f"http://{settings.rasa_host}:{settings.rasa_port}/webhooks/wechat/webhook",
              "--fake-api", wechat["WECHAT_API_BASE_URL"], "--token", wechat["WECHAT_TOKEN"],
              "--appid", wechat["WECHAT_APPID"], "--database-url", settings.database_url,
              "--compound", settings.compound]
             + (["--aes-key", settings.wechat_aes_key] if settings.wechat_aes_key else []),
        health_url=f"http://127.0.0.1:{settings.simulator_port}/health",
    )
    return [fake, actions, rasa, notifier, scheduler, console, simulator]


def dev_logins(settings: Settings):
    """Dev mode: the demo staff without a console password get the dev one (printed in the banner)."""
    from bot import services as services_module
    from bot.console.service import ConsoleService
    built = services_module.build(settings)
    try:
        return ConsoleService(built).give_dev_passwords(settings.console_dev_password)
    finally:
        built.factory.kw["bind"].dispose()


def _relay(name: str, stream) -> None:
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"[{name}] {line}")
        sys.stdout.flush()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Own process group (our Ctrl-C handling stops it), and SIGTERM if the launcher dies."""
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start(service: Service) -> None:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1",
           # Third-party DeprecationWarnings (pkg_resources, distutils, jax) bury what matters.
           "PYTHONWARNINGS": "ignore::DeprecationWarning", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
           **service.env}
    service.process = subprocess.Popen(
        service.argv, cwd=ROOT, env=env, text=True, bufsize=1,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
    )
    threading.Thread(target=_relay, args=(service.name, service.process.stdout), daemon=True).start()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_healthy(items: List[Service], stop_request, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    pending = list(items)
    while pending:
        if stop_request.requested:
            raise StopRequested()
        for service in list(pending):
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited with code {service.process.returncode} while starting")
            if service.health_url is None or healthy(service.health_url):
                print(f"==> {service.name} is up{': ' + service.health_url if service.health_url else ''}",
                      flush=True)
                pending.remove(service)
        if pending and time.monotonic() > deadline:
            raise RuntimeError(f"not up after {timeout_s:.0f} s: {', '.join(s.name for s in pending)}")
        time.sleep(0.5)


def stop(items: List[Service], grace_s: float = 15) -> None:
    running = [s for s in items if s.process and s.process.poll() is None]
    for service in running:
        os.killpg(service.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for service in running:
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()
        print(f"==> stopped {service.name}", flush=True)


def banner(settings: Settings, model: Path, logins=()) -> str:
    rasa = f"http://{settings.rasa_host}:{settings.rasa_port}"
    console = f"http://{settings.console_host}:{settings.console_port}"
    accounts = "，".join(f"{code}（{name}）" for code, name, _ in logins)
    return "\n".join([
        "",
        "==> 红管家 is running",
        f"    model:          {model.name}",
        f"    REST channel:   POST {rasa}/webhooks/rest/webhook  {{\"sender\": \"…\", \"message\": \"…\"}}",
        f"    NLU parse API:  POST {rasa}/model/parse  {{\"text\": \"…\"}}",
        f"    action server:  {settings.action_endpoint_url}",
        f"    WeChat webhook: {rasa}/webhooks/wechat/webhook",
        *([f"    WeChat simulator: http://127.0.0.1:{settings.simulator_port}  "
           "(open it in a browser: a WeChat chat, no account needed)"] if settings.wechat_dev_mode else []),
        f"    staff console:  {console}",
        *([f"                    dev log-in: username {accounts}; password {settings.console_dev_password}"]
          if logins else []),
        "    talk to it:     make chat   (in another terminal)",
        "    reminders:      make schedule   (reception days; the scheduler's log above shows the next)",
        "    stop:           Ctrl-C",
        "",
    ])


class StopRequested(Exception):
    """Ctrl-C (or SIGTERM) arrived while the servers were still starting."""


class _StopRequest:
    """Set by the signal handler. A plain attribute, no lock: a handler that takes a lock
    (threading.Event.set) deadlocks when the signal lands while the main thread holds it."""

    requested = False

    def __call__(self, signum, frame) -> None:
        self.requested = True


def main(settings: Settings) -> int:
    from bot.commands import ensure_compound
    if not ensure_compound(settings):
        return 2
    logins = dev_logins(settings) if settings.wechat_dev_mode else []
    from bot.retraining.control import ensure_control_token
    model = choose_model(settings)
    items = services(settings, model, ensure_control_token(settings))
    stop_request = _StopRequest()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_request)
    try:
        for service in items:
            print(f"==> starting {service.name}: {' '.join(service.argv[1:])}", flush=True)
            start(service)
        print("==> waiting for the servers (Rasa takes about a minute to load)", flush=True)
        wait_until_healthy(items, stop_request)
        print(banner(settings, model, logins), flush=True)
        while not stop_request.requested:
            exited = [s for s in items if s.process.poll() is not None]
            if exited:
                print(f"==> {exited[0].name} exited (code {exited[0].process.returncode}); stopping", flush=True)
                return 1
            time.sleep(0.5)
        print("==> Ctrl-C: stopping", flush=True)
        return 0
    except StopRequested:
        print("==> Ctrl-C while starting: stopping", flush=True)
        return 0
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        stop(items)
