def register(router):
    """Register the kits viewsets."""
