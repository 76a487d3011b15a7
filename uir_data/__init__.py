"""uir_data: synthesise and index paired (degraded, clean) images for universal image restoration."""

__version__ = "0.1.0"
ENGINE_VERSION = __version__
