def register(router):
    """Register campaign and participation viewsets."""
