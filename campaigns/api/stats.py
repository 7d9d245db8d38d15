def register(router):
    """Register statistics endpoints."""
