"""The notifier worker behind `make run`: delivers the outbox to WeChat every few seconds, and
downloads the photos residents sent before WeChat forgets them (bot.wechat.media).

Several workers may run at once (claims keep each notification and each photo to one of them)."""

from __future__ import annotations

import logging
import signal
import sys
import time

from bot import settings as settings_module

POLL_SECONDS = 2.0
logger = logging.getLogger("red_butler.notifier")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    from bot.db.engine import make_engine, make_session_factory
    from bot.console.photos import PhotoStore
    from bot.wechat.client import build_client
    from bot.wechat.media import MediaKeeper
    from bot.wechat.notifier import Notifier

    config = settings_module.get()
    factory = make_session_factory(make_engine(config.database_url))
    client = build_client(config.wechat, factory)
    notifier = Notifier(factory, client, config.wechat, timezone=config.timezone)
    media = MediaKeeper(factory, client, PhotoStore(config.photos_dir))
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    print(f"notifier: delivering the outbox through {config.wechat.api_base_url}", flush=True)
    while not stopping:
        try:
            counts = notifier.deliver_pending()
            if counts.claimed:
                logger.info("delivered %s", counts)
            kept = media.keep_pending()
            if kept:
                logger.info("kept %d photo(s) residents sent", kept)
        except Exception:  # noqa: BLE001 - keep delivering; the failure is in the log and the delivery record
            logger.exception("delivery round failed")
        time.sleep(POLL_SECONDS)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
