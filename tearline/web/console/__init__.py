"""The analyst console: server-rendered pages on the same app as REST and TAXII.

``install(app)`` mounts it: the pages under ``/console``, their stylesheet and
script under ``/console/static`` (our own files, shipped in the package), and
``/docs`` and ``/redoc`` from the Swagger UI and ReDoc copies that the
``fastapi-offline`` package installs from PyPI — nothing is loaded from a CDN,
so every page works on a network with no way out.

Every page reads through the sharing policy (``share.policy.decide``) for the
signed-in user and is audited like the REST reads.
"""

from __future__ import annotations

from tearline.web.console.routes import install

__all__ = ["install"]
