"""The bundled demo scenario and its answer key (data only)."""

__all__: list[str] = []
