"""The app server of a page exported beforehand (`build-frontend`): Reflex's production backend on `HOST`:`PORT`
with the exported page mounted on it; no compile, no build. `serve --prebuilt` starts it as a module."""

from __future__ import annotations

import logging

from data360_chat.observability import setup
from data360_chat.settings import get_settings

log = logging.getLogger("data360_chat.ui.server")  # also when run as `python -m`


def serve_prebuilt() -> None:
    """Run Reflex's production backend on `HOST`:`PORT` with the exported page mounted; no compile, no build."""
    from reflex.istate.manager import reset_disk_state_manager
    from reflex.utils import exec as reflex_exec
    from reflex_base import constants
    from reflex_base.environment import environment
    from reflex_base.utils import console

    settings = get_settings()
    setup(settings)
    level = constants.LogLevel(settings.log_level)
    console.set_log_level(level)
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    if not settings.redis_url:  # as `reflex run` does: tabs' states on disk do not outlive the server (with Redis,
        reset_disk_state_manager()  # they live there, and replicas started side by side must not race over files)
    log.info("serving the exported page and the app at http://%s:%s/", settings.host, settings.port)
    reflex_exec.run_backend_prod(
        settings.host, settings.port, level.subprocess_level(), mount_frontend_compiled_app=True
    )


if __name__ == "__main__":
    serve_prebuilt()
