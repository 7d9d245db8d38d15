def register(router):
    """Register the distributions viewsets."""
