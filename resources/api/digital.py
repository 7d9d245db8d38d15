def register(router):
    """Register the digital viewsets."""
