def register(router):
    """Register this app's viewsets on the shared API router."""
