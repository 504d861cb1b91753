"""python -m bot.console [--host H] [--port P]: the staff console (`make run` starts it)."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from bot import services
from bot import settings as settings_module
from bot.console.app import create_app
from bot.console.service import ConsoleService
from bot.retraining.service import RetrainingService


def main(argv=None) -> int:
    config = settings_module.get()
    parser = argparse.ArgumentParser(prog="python -m bot.console")
    parser.add_argument("--host", default=config.console_host)
    parser.add_argument("--port", type=int, default=config.console_port)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    built = services.build(config)
    services.use(built)
    app = create_app(ConsoleService(built), secure_cookies=config.console_secure_cookies, wechat=config.wechat,
                     public_url=config.console_public_url, retraining=RetrainingService(config),
                     trusted_proxies=config.console_trusted_proxies)
    web.run_app(app, host=args.host, port=args.port,
                print=lambda _: print(f"console: http://{args.host}:{args.port}", flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
