"""URLs of the benchmark server: the platform's, plus a trivial view as throughput baseline."""

from django.http import HttpResponseRedirect
from django.urls import path

from config.urls import urlpatterns as platform_urlpatterns

# A redirect like the download's, to a URL of about the same length as a signed one.
TARGET = "http://127.0.0.1:9/bench/file.txt?" + "X-Amz-Signature=0" * 24


def constant_redirect(request):
    """The least a Django view can do: answer a fixed 302 through the same middleware."""
    return HttpResponseRedirect(TARGET)


urlpatterns = [path("bench/redirect/", constant_redirect), *platform_urlpatterns]
